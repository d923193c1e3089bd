// MTA-STS policy files and their HTTP responses (see mta_sts.hpp).
#include "mailauth/mta_sts.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace mxkit::mailauth {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool let_dig(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// RFC 5321 §4.1.2 Domain: sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str].
bool is_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  std::size_t start = 0;
  while (start <= d.size()) {
    auto dot = d.find('.', start);
    if (dot == std::string_view::npos) dot = d.size();
    const auto label = d.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || !let_dig(label.front()) || !let_dig(label.back()))
      return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return let_dig(c) || c == '-'; }))
      return false;
    start = dot + 1;
  }
  return true;
}

// sts-policy-ext-name: alphanum *31(alphanum / "_" / "-" / ".").
bool is_field_name(std::string_view k) {
  if (k.empty() || k.size() > 32 || !let_dig(k.front())) return false;
  return std::all_of(k.begin(), k.end(),
                     [](char c) { return let_dig(c) || c == '_' || c == '-' || c == '.'; });
}

std::string_view without_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view mta_sts_mode_name(MtaStsMode mode) {
  switch (mode) {
    case MtaStsMode::Enforce: return "enforce";
    case MtaStsMode::Testing: return "testing";
    case MtaStsMode::None: break;
  }
  return "none";
}

// RFC 8461 §3.2: sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term].
core::Result<MtaStsPolicy> parse_mta_sts_policy(std::string_view text) {
  MtaStsPolicy policy;
  std::optional<std::string> version;
  std::optional<MtaStsMode> mode;
  std::optional<std::uint32_t> max_age;
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;  // a blank line (the closing CRLF's, or a stray one)
    auto fail_here = [line_no](const std::string& why) {
      return core::fail(fmt::format("line {}: {}", line_no, why));
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail_here("not a \"key: value\" field");
    const auto key = line.substr(0, colon);
    if (!is_field_name(key))
      return fail_here(fmt::format("\"{}\" is not a field name", core::ascii_lower(key)));
    const auto value = trim(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; }))
      return fail_here(fmt::format("the {} value holds a control character", key));
    // Field names and the values of version and mode are case-sensitive (%s in the ABNF).
    if (key == "version") {
      if (version) continue;  // a repeated field: the first counts
      if (value != "STSv1") return fail_here(fmt::format("version \"{}\" is not STSv1", value));
      version = std::string(value);
    } else if (key == "mode") {
      if (mode) continue;
      if (value == "enforce")
        mode = MtaStsMode::Enforce;
      else if (value == "testing")
        mode = MtaStsMode::Testing;
      else if (value == "none")
        mode = MtaStsMode::None;
      else
        return fail_here(fmt::format("mode \"{}\" is not one of enforce, testing, none", value));
    } else if (key == "max_age") {
      if (max_age) continue;
      std::uint64_t n = 0;
      const bool digits =
          !value.empty() && value.size() <= 10 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) std::from_chars(value.data(), value.data() + value.size(), n);
      if (!digits || n > kMtaStsMaxAge)
        return fail_here(fmt::format("max_age \"{}\" is not a number of seconds from 0 to {}",
                                     value, kMtaStsMaxAge));
      max_age = static_cast<std::uint32_t>(n);
    } else if (key == "mx") {
      const std::string pattern = core::ascii_lower(value);
      std::string_view domain = pattern;
      if (domain.starts_with("*.")) domain.remove_prefix(2);
      if (!is_domain(domain))
        return fail_here(fmt::format("mx \"{}\" is not a host name or *.suffix pattern", value));
      policy.mx.push_back(pattern);
    }
    // Any other field is an extension: ignored (§3.2).
  }
  if (!version) return core::fail("no version field (version: STSv1)");
  if (!mode) return core::fail("no mode field (enforce, testing or none)");
  if (!max_age) return core::fail("no max_age field");
  policy.mode = *mode;
  policy.max_age = *max_age;
  if (policy.mx.empty() && policy.mode != MtaStsMode::None)
    return core::fail(fmt::format("mode {} without any mx field", mta_sts_mode_name(policy.mode)));
  // §3.2 expects weeks or more, so that an attacker at refresh time gains little.
  if (policy.max_age < 86400 && policy.mode != MtaStsMode::None)
    policy.warnings.push_back(
        fmt::format("max_age {} is under a day; RFC 8461 §3.2 expects weeks", policy.max_age));
  return policy;
}

bool mta_sts_mx_matches(std::string_view pattern, std::string_view host) {
  const std::string p = core::ascii_lower(without_dot(pattern));
  const std::string h = core::ascii_lower(without_dot(host));
  if (!p.starts_with("*.")) return !p.empty() && p == h;
  // The wildcard stands for the whole left-most label, exactly one.
  const auto dot = h.find('.');
  return dot != std::string::npos && dot > 0 && h.substr(dot + 1) == p.substr(2);
}

namespace {

// One line of the head, ended by CRLF or LF; nullopt when no line ending is left.
std::optional<std::string_view> next_line(std::string_view bytes, std::size_t& pos) {
  const auto end = bytes.find('\n', pos);
  if (end == std::string_view::npos) return std::nullopt;
  auto line = bytes.substr(pos, end - pos);
  pos = end + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

core::Result<std::string> dechunk(std::string_view data, std::size_t max_body) {
  std::string body;
  std::size_t pos = 0;
  for (;;) {
    auto line = next_line(data, pos);
    if (!line) return core::fail("the chunked body ends before its last chunk");
    auto size_text = trim(line->substr(0, line->find(';')));  // chunk extensions ignored
    std::size_t size = 0;
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || p != size_text.data() + size_text.size() || size_text.empty())
      return core::fail(fmt::format("a chunk size \"{}\" is not hexadecimal", size_text));
    if (size == 0) return body;  // trailer fields, if any, are not needed
    if (size > max_body || body.size() + size > max_body)
      return core::fail(fmt::format("the body is larger than {} octets", max_body));
    if (data.size() - pos < size) return core::fail("a chunk is cut short");
    body.append(data.substr(pos, size));
    pos += size;
    auto after = next_line(data, pos);
    if (!after || !after->empty()) return core::fail("a chunk is not followed by CRLF");
  }
}

}  // namespace

core::Result<HttpResponse> parse_http_response(std::string_view bytes, std::size_t max_body) {
  HttpResponse out;
  std::size_t pos = 0;
  auto status_line = next_line(bytes, pos);
  if (!status_line) return core::fail("no complete status line");
  // RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase].
  const auto& s = *status_line;
  if (s.size() < 12 || !s.starts_with("HTTP/1.") || s[7] < '0' || s[7] > '9' || s[8] != ' ' ||
      !std::all_of(s.begin() + 9, s.begin() + 12, [](char c) { return c >= '0' && c <= '9'; }) ||
      (s.size() > 12 && s[12] != ' '))
    return core::fail(fmt::format("\"{}\" is not an HTTP/1.x status line",
                                  s.substr(0, std::min<std::size_t>(s.size(), 60))));
  out.status = static_cast<unsigned>((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
  out.reason = std::string(s.size() > 13 ? s.substr(13) : std::string_view());
  std::optional<std::size_t> content_length;
  bool chunked = false;
  for (;;) {
    auto line = next_line(bytes, pos);
    if (!line) return core::fail("the response ends inside its header");
    if (line->empty()) break;
    if (is_wsp(line->front())) return core::fail("a folded header line (obsolete, RFC 9112 §5.2)");
    const auto colon = line->find(':');
    if (colon == std::string_view::npos || colon == 0)
      return core::fail(fmt::format("header line \"{}\" has no field name",
                                    line->substr(0, std::min<std::size_t>(line->size(), 60))));
    const std::string name = core::ascii_lower(line->substr(0, colon));
    const auto value = trim(line->substr(colon + 1));
    if (name == "content-type") {
      out.content_type = std::string(value);
    } else if (name == "location") {
      out.location = std::string(value);
    } else if (name == "transfer-encoding") {
      chunked = core::ascii_lower(value).find("chunked") != std::string::npos;
    } else if (name == "content-length") {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size())
        return core::fail(fmt::format("Content-Length \"{}\" is not a number", value));
      content_length = n;
    }
  }
  const auto rest = bytes.substr(pos);
  if (chunked) {
    auto body = dechunk(rest, max_body);
    if (!body) return tl::unexpected(body.error());
    out.body = std::move(*body);
    return out;
  }
  const std::size_t length = content_length.value_or(rest.size());
  if (length > max_body)
    return core::fail(fmt::format("the body is larger than {} octets", max_body));
  if (rest.size() < length)
    return core::fail(fmt::format("the body ends after {} of its {} octets", rest.size(), length));
  out.body = std::string(rest.substr(0, length));
  return out;
}

core::Result<std::string> policy_body(const HttpResponse& response) {
  if (response.status >= 300 && response.status < 400)
    return core::fail(
        fmt::format("HTTP {} redirects to \"{}\"; RFC 8461 §3.3 forbids following redirects",
                    response.status, response.location));
  if (response.status != 200)
    return core::fail(
        fmt::format("HTTP {} {} (the policy needs 200)", response.status, response.reason));
  const std::string media = core::ascii_lower(
      trim(std::string_view(response.content_type).substr(0, response.content_type.find(';'))));
  if (media != "text/plain")
    return core::fail(fmt::format("Content-Type \"{}\" is not text/plain (RFC 8461 §3.2)",
                                  response.content_type));
  return response.body;
}

}  // namespace mxkit::mailauth
