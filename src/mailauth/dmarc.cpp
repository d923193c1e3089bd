// The DMARC record parser (RFC 7489 §6.3–§6.4, DMARCbis tags np, psd, t).
#include "mailauth/dmarc.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "mailauth/tag_list.hpp"

namespace mxkit::mailauth {
namespace {

using Unexpected = tl::unexpected<DmarcSyntaxError>;

Unexpected error_at(std::size_t position, std::string message) {
  return Unexpected(DmarcSyntaxError{position, std::move(message)});
}

std::optional<DmarcPolicy> parse_policy(std::string_view value) {
  const auto v = core::ascii_lower(value);
  if (v == "none") return DmarcPolicy::None;
  if (v == "quarantine") return DmarcPolicy::Quarantine;
  if (v == "reject") return DmarcPolicy::Reject;
  return std::nullopt;
}

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 7489 §6.4 dmarc-uri: URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ].
tl::expected<DmarcReportUri, DmarcSyntaxError> parse_uri(std::string_view item, std::size_t at) {
  DmarcReportUri uri;
  std::string_view text = item;
  if (const auto bang = text.rfind('!'); bang != std::string_view::npos) {
    std::string_view size = text.substr(bang + 1);
    std::uint64_t unit = 1;
    if (!size.empty()) {
      switch (size.back() | 0x20) {
        case 'k': unit = 1ull << 10; break;
        case 'm': unit = 1ull << 20; break;
        case 'g': unit = 1ull << 30; break;
        case 't': unit = 1ull << 40; break;
        default: break;
      }
      if (unit != 1) size.remove_suffix(1);
    }
    auto number = parse_number<std::uint64_t>(size);
    if (!number || *number > (~0ull) / unit)
      return error_at(at + bang, fmt::format("\"{}\" is not a size limit (digits and k, m, g or t)",
                                             text.substr(bang)));
    uri.max_bytes = *number * unit;
    text = text.substr(0, bang);
  }
  uri.uri = std::string(text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return error_at(at, fmt::format("\"{}\" is not a URI (no scheme)", text));
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = text[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok)
      return error_at(at + i, fmt::format("\"{}\" is not a URI scheme", text.substr(0, colon)));
  }
  uri.scheme = core::ascii_lower(text.substr(0, colon));
  if (uri.scheme == "mailto") {
    std::string_view rest = text.substr(colon + 1);
    rest = rest.substr(0, rest.find('?'));  // RFC 6068 header fields are not part of the address
    std::string address;
    for (std::size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '%' && i + 2 < rest.size() && hex_digit(rest[i + 1]) >= 0 &&
          hex_digit(rest[i + 2]) >= 0) {
        address.push_back(static_cast<char>(hex_digit(rest[i + 1]) * 16 + hex_digit(rest[i + 2])));
        i += 2;
      } else {
        address.push_back(rest[i]);
      }
    }
    const auto at_sign = address.rfind('@');
    if (at_sign == std::string::npos || at_sign == 0 || at_sign + 1 == address.size())
      return error_at(at + colon + 1,
                      fmt::format("\"{}\" is not a mail address (local@domain)", address));
    uri.domain = core::ascii_lower(address.substr(at_sign + 1));
    uri.address = std::move(address);
  }
  return uri;
}

tl::expected<std::vector<DmarcReportUri>, DmarcSyntaxError> parse_uri_list(const Tag& tag) {
  std::vector<DmarcReportUri> uris;
  std::size_t start = 0;
  const std::string& v = tag.value;
  while (start <= v.size()) {
    std::size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string_view item(v.data() + start, end - start);
    std::size_t lead = 0;
    while (lead < item.size() && (item[lead] == ' ' || item[lead] == '\t')) ++lead;
    item.remove_prefix(lead);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty())
      return error_at(tag.value_at + start, fmt::format("{}=: an empty URI in the list", tag.name));
    auto uri = parse_uri(item, tag.value_at + start + lead);
    if (!uri) return Unexpected(uri.error());
    uris.push_back(std::move(*uri));
    start = end + 1;
  }
  return uris;
}

}  // namespace

std::string_view dmarc_policy_name(DmarcPolicy policy) {
  switch (policy) {
    case DmarcPolicy::None: return "none";
    case DmarcPolicy::Quarantine: return "quarantine";
    case DmarcPolicy::Reject: return "reject";
  }
  return "none";
}

bool is_dmarc_record(std::string_view text) {
  // §6.4: "v" *WSP "=" *WSP "DMARC1", then a separator or the end.
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i >= text.size() || text[i] != 'v') return false;
  ++i;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i >= text.size() || text[i] != '=') return false;
  ++i;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (text.substr(i, 6) != "DMARC1") return false;
  i += 6;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return i == text.size() || text[i] == ';';
}

tl::expected<DmarcRecord, DmarcSyntaxError> parse_dmarc_record(std::string_view text) {
  auto tags = parse_tag_list(text);
  if (!tags) return error_at(tags.error().position, tags.error().message);
  if (tags->empty() || (*tags)[0].name != "v" || (*tags)[0].value != "DMARC1")
    return error_at(0, "a DMARC record begins with \"v=DMARC1\" (RFC 7489 §6.4)");
  DmarcRecord record;
  bool have_policy = false;
  const Tag* bad_policy = nullptr;
  for (std::size_t i = 1; i < tags->size(); ++i) {
    const Tag& tag = (*tags)[i];
    const auto at = tag.value_at;
    if (tag.name == "v") return error_at(tag.name_at, "\"v\" appears twice");
    if (tag.name == "p" || tag.name == "sp" || tag.name == "np") {
      auto policy = parse_policy(tag.value);
      if (!policy) {
        if (tag.name == "p") {  // §6.6.3 step 6 may still rescue it with rua; decided below
          bad_policy = &tag;
          continue;
        }
        return error_at(
            at, fmt::format("{}=\"{}\": give none, quarantine or reject", tag.name, tag.value));
      }
      if (tag.name == "p") {
        record.policy = *policy;
        have_policy = true;
        if (i != 1) record.warnings.push_back("p= should follow v=DMARC1 directly (RFC 7489 §6.4)");
      } else if (tag.name == "sp") {
        record.subdomain_policy = policy;
      } else {
        record.nonexistent_policy = policy;
      }
    } else if (tag.name == "adkim" || tag.name == "aspf") {
      const auto v = core::ascii_lower(tag.value);
      if (v != "r" && v != "s")
        return error_at(
            at, fmt::format("{}=\"{}\": give r (relaxed) or s (strict)", tag.name, tag.value));
      (tag.name == "adkim" ? record.dkim_alignment : record.spf_alignment) =
          v == "s" ? DmarcAlignment::Strict : DmarcAlignment::Relaxed;
    } else if (tag.name == "pct") {
      auto pct = parse_number<unsigned>(tag.value);
      if (!pct || *pct > 100)
        return error_at(at,
                        fmt::format("pct=\"{}\": give a whole number from 0 to 100", tag.value));
      record.percent = *pct;
      if (*pct < 100)
        record.warnings.push_back(fmt::format(
            "pct={} applies the policy to part of the failing mail only (and DMARCbis drops pct)",
            *pct));
    } else if (tag.name == "rua" || tag.name == "ruf") {
      auto uris = parse_uri_list(tag);
      if (!uris) return Unexpected(uris.error());
      (tag.name == "rua" ? record.aggregate_reports : record.failure_reports) = std::move(*uris);
    } else if (tag.name == "fo") {
      // §6.3: colon-separated list of 0, 1, d, s.
      std::size_t start = 0;
      while (start <= tag.value.size()) {
        std::size_t end = tag.value.find(':', start);
        if (end == std::string::npos) end = tag.value.size();
        const auto option =
            core::ascii_lower(std::string_view(tag.value).substr(start, end - start));
        if (option != "0" && option != "1" && option != "d" && option != "s")
          return error_at(at + start, fmt::format("fo=: \"{}\" is not 0, 1, d or s", option));
        start = end + 1;
      }
      record.failure_options = tag.value;
    } else if (tag.name == "rf") {
      if (tag.value.empty()) return error_at(at, "rf= is empty");
      record.report_format = tag.value;
    } else if (tag.name == "ri") {
      auto ri = parse_number<std::uint32_t>(tag.value);
      if (!ri)
        return error_at(at, fmt::format("ri=\"{}\": give seconds as a whole number", tag.value));
      record.report_interval = *ri;
    } else if (tag.name == "psd") {
      const auto v = core::ascii_lower(tag.value);
      if (v != "y" && v != "n" && v != "u")
        return error_at(at, fmt::format("psd=\"{}\": give y, n or u (DMARCbis)", tag.value));
      record.public_suffix = v[0];
    } else if (tag.name == "t") {
      const auto v = core::ascii_lower(tag.value);
      if (v != "y" && v != "n")
        return error_at(at, fmt::format("t=\"{}\": give y or n (DMARCbis)", tag.value));
      record.testing = v == "y";
    } else {
      record.unknown_tags.push_back(tag.name);  // §6.3: unknown tags are ignored
    }
  }
  if (!have_policy) {
    // RFC 7489 §6.6.3 step 6: without a valid p=, a record with a valid rua= reads as p=none.
    if (!record.aggregate_reports.empty()) {
      record.policy = DmarcPolicy::None;
      record.warnings.push_back(bad_policy
                                    ? fmt::format("p=\"{}\" is not a policy; with rua= the "
                                                  "record counts as p=none (RFC 7489 §6.6.3)",
                                                  bad_policy->value)
                                    : "no p= tag; with rua= the record counts as p=none "
                                      "(RFC 7489 §6.6.3)");
    } else if (bad_policy) {
      return error_at(bad_policy->value_at,
                      fmt::format("p=\"{}\": give none, quarantine or reject", bad_policy->value));
    } else {
      return error_at(text.size(), "no p= tag: the policy is required (RFC 7489 §6.3)");
    }
  }
  return record;
}

std::optional<std::string> report_authorization_name(std::string_view policy_domain,
                                                     std::string_view uri_domain,
                                                     const PublicSuffixList& suffixes) {
  auto clean = [](std::string_view d) {
    std::string s = core::ascii_lower(d);
    while (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  const std::string policy = clean(policy_domain);
  const std::string destination = clean(uri_domain);
  if (suffixes.organizational_domain(policy) == suffixes.organizational_domain(destination))
    return std::nullopt;
  return policy + "._report._dmarc." + destination;
}

std::string dmarc_record_name(std::string_view domain) {
  std::string d(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  return "_dmarc." + d;
}

}  // namespace mxkit::mailauth
