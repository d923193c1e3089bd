// The SPF record parser (RFC 7208 §4.6, §5, §6 and the ABNF of §12).
#include "mailauth/spf_record.hpp"

#include <cstring>

#include <arpa/inet.h>
#include <fmt/format.h>

#include "core/ascii.hpp"
#include "mailauth/spf_macro.hpp"

namespace mxkit::mailauth {
namespace {

using Unexpected = tl::unexpected<SpfSyntaxError>;

Unexpected error_at(std::size_t position, std::string message) {
  return Unexpected(SpfSyntaxError{position, std::move(message)});
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

// RFC 7208 §12 toplabel: alphanumerics with at least one letter, or an LDH label that neither
// begins nor ends with '-'.
bool is_toplabel(std::string_view label) {
  if (label.empty()) return false;
  bool alpha = false;
  bool all_alnum = true;
  for (char c : label) {
    if (is_alpha(c)) alpha = true;
    if (!is_alnum(c)) all_alnum = false;
  }
  if (all_alnum) return alpha;
  if (!is_alnum(label.front()) || !is_alnum(label.back())) return false;
  for (char c : label)
    if (!is_alnum(c) && c != '-') return false;
  return label.find('-') != std::string_view::npos;
}

// A CIDR length "/N": "0" or a number without a leading zero, at most `max` (§12).
std::optional<std::uint8_t> parse_cidr(std::string_view digits, unsigned max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  unsigned value = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) return std::nullopt;
  return static_cast<std::uint8_t>(value);
}

// ip4-network of §12: four decimal octets without leading zeros.
bool parse_ip4(std::string_view text, std::array<std::uint8_t, 16>& out) {
  std::size_t part = 0;
  std::size_t i = 0;
  while (part < 4) {
    std::size_t start = i;
    unsigned value = 0;
    while (i < text.size() && is_digit(text[i]) && i - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    const std::size_t len = i - start;
    if (len == 0 || value > 255 || (len > 1 && text[start] == '0')) return false;
    out[part++] = static_cast<std::uint8_t>(value);
    if (part < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      ++i;
    }
  }
  return i == text.size();
}

bool parse_ip6(std::string_view text, std::array<std::uint8_t, 16>& out) {
  if (text.empty() || text.size() > 45) return false;
  for (char c : text)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
  char buffer[46];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return inet_pton(AF_INET6, buffer, out.data()) == 1;
}

// A domain-spec (§12): a macro-string ending in "." toplabel ["."] or in a macro-expand.
std::optional<SpfSyntaxError> check_domain_spec(std::string_view spec, std::size_t position) {
  if (spec.empty()) return SpfSyntaxError{position, "empty domain"};
  if (auto e = check_macro_string(spec, false)) {
    e->position += position;
    return e;
  }
  if (ends_with_macro(spec)) return std::nullopt;
  std::string_view body = spec;
  if (body.back() == '.') body.remove_suffix(1);
  const auto dot = body.rfind('.');
  if (dot == std::string_view::npos)
    return SpfSyntaxError{
        position, fmt::format("\"{}\" is not a domain: it needs a dot and a top label", spec)};
  const auto top = body.substr(dot + 1);
  if (!is_toplabel(top))
    return SpfSyntaxError{position + dot + 1,
                          fmt::format("\"{}\" is not a valid top label (letters, digits, inner "
                                      "hyphens, not all digits)",
                                      top)};
  return std::nullopt;
}

std::optional<SpfMechanismKind> mechanism_kind(std::string_view name) {
  const std::string lower = core::ascii_lower(name);
  if (lower == "all") return SpfMechanismKind::All;
  if (lower == "include") return SpfMechanismKind::Include;
  if (lower == "a") return SpfMechanismKind::A;
  if (lower == "mx") return SpfMechanismKind::Mx;
  if (lower == "ptr") return SpfMechanismKind::Ptr;
  if (lower == "ip4") return SpfMechanismKind::Ip4;
  if (lower == "ip6") return SpfMechanismKind::Ip6;
  if (lower == "exists") return SpfMechanismKind::Exists;
  return std::nullopt;
}

// Strips a trailing dual-cidr-length ("/24", "//64", "/24//64") from the argument of a or mx.
tl::expected<std::string_view, SpfSyntaxError> take_dual_cidr(std::string_view rest,
                                                              std::size_t position,
                                                              SpfMechanism& m) {
  auto trailing_number = [](std::string_view s) -> std::size_t {  // index of the '/' or npos
    std::size_t i = s.size();
    while (i > 0 && is_digit(s[i - 1])) --i;
    if (i == s.size() || i == 0 || s[i - 1] != '/') return std::string_view::npos;
    return i - 1;
  };
  auto slash = trailing_number(rest);
  if (slash != std::string_view::npos && slash > 0 && rest[slash - 1] == '/') {
    auto v = parse_cidr(rest.substr(slash + 1), 128);
    if (!v)
      return error_at(position + slash, fmt::format("IPv6 prefix length \"{}\" is not 0 to 128 "
                                                    "without leading zeros",
                                                    rest.substr(slash + 1)));
    m.cidr6 = *v;
    rest = rest.substr(0, slash - 1);
    slash = trailing_number(rest);
  }
  if (slash != std::string_view::npos) {
    auto v = parse_cidr(rest.substr(slash + 1), 32);
    if (!v)
      return error_at(position + slash, fmt::format("IPv4 prefix length \"{}\" is not 0 to 32 "
                                                    "without leading zeros",
                                                    rest.substr(slash + 1)));
    m.cidr4 = *v;
    rest = rest.substr(0, slash);
  }
  return rest;
}

tl::expected<SpfMechanism, SpfSyntaxError> parse_directive(std::string_view term,
                                                           std::size_t position) {
  SpfMechanism m;
  m.position = position;
  m.text = std::string(term);
  std::size_t i = 0;
  switch (term[0]) {
    case '+':
      m.qualifier = SpfQualifier::Pass;
      ++i;
      break;
    case '-':
      m.qualifier = SpfQualifier::Fail;
      ++i;
      break;
    case '~':
      m.qualifier = SpfQualifier::SoftFail;
      ++i;
      break;
    case '?':
      m.qualifier = SpfQualifier::Neutral;
      ++i;
      break;
    default: break;
  }
  std::size_t end = i;
  while (end < term.size() && is_alnum(term[end])) ++end;
  const auto name = term.substr(i, end - i);
  auto kind = mechanism_kind(name);
  if (!kind) {
    if (name.empty())
      return error_at(position, fmt::format("\"{}\" is neither a mechanism nor a modifier", term));
    return error_at(position + i, fmt::format("unknown mechanism \"{}\"", name));
  }
  m.kind = *kind;
  std::string_view rest = term.substr(end);
  const std::size_t rest_at = position + end;
  switch (m.kind) {
    case SpfMechanismKind::All:
      if (!rest.empty()) return error_at(rest_at, "\"all\" takes no argument");
      break;
    case SpfMechanismKind::Include:
    case SpfMechanismKind::Exists:
      if (rest.empty() || rest[0] != ':')
        return error_at(rest_at, fmt::format("\"{}\" needs \":domain\"", name));
      m.domain_spec = std::string(rest.substr(1));
      if (auto e = check_domain_spec(rest.substr(1), rest_at + 1)) return Unexpected(*e);
      break;
    case SpfMechanismKind::Ptr:
      if (!rest.empty()) {
        if (rest[0] != ':') return error_at(rest_at, "\"ptr\" takes only \":domain\"");
        m.domain_spec = std::string(rest.substr(1));
        if (auto e = check_domain_spec(rest.substr(1), rest_at + 1)) return Unexpected(*e);
      }
      break;
    case SpfMechanismKind::A:
    case SpfMechanismKind::Mx: {
      auto body = take_dual_cidr(rest, rest_at, m);
      if (!body) return Unexpected(body.error());
      if (!body->empty()) {
        if ((*body)[0] != ':')
          return error_at(rest_at,
                          fmt::format("\"{}\" takes \":domain\" and prefix lengths only", name));
        m.domain_spec = std::string(body->substr(1));
        if (auto e = check_domain_spec(body->substr(1), rest_at + 1)) return Unexpected(*e);
      }
      break;
    }
    case SpfMechanismKind::Ip4:
    case SpfMechanismKind::Ip6: {
      const bool v4 = m.kind == SpfMechanismKind::Ip4;
      if (rest.empty() || rest[0] != ':')
        return error_at(rest_at, fmt::format("\"{}\" needs \":address\"", name));
      auto address = rest.substr(1);
      const auto slash = address.find('/');
      if (slash != std::string_view::npos) {
        auto v = parse_cidr(address.substr(slash + 1), v4 ? 32 : 128);
        if (!v)
          return error_at(rest_at + 1 + slash,
                          fmt::format("prefix length \"{}\" is not 0 to {} without leading zeros",
                                      address.substr(slash + 1), v4 ? 32 : 128));
        (v4 ? m.cidr4 : m.cidr6) = *v;
        address = address.substr(0, slash);
      }
      if (!(v4 ? parse_ip4(address, m.network) : parse_ip6(address, m.network)))
        return error_at(rest_at + 1,
                        fmt::format("\"{}\" is not an {} address", address, v4 ? "IPv4" : "IPv6"));
      break;
    }
  }
  return m;
}

}  // namespace

std::string_view spf_mechanism_name(SpfMechanismKind kind) {
  switch (kind) {
    case SpfMechanismKind::All: return "all";
    case SpfMechanismKind::Include: return "include";
    case SpfMechanismKind::A: return "a";
    case SpfMechanismKind::Mx: return "mx";
    case SpfMechanismKind::Ptr: return "ptr";
    case SpfMechanismKind::Ip4: return "ip4";
    case SpfMechanismKind::Ip6: return "ip6";
    case SpfMechanismKind::Exists: return "exists";
  }
  return "all";
}

bool SpfMechanism::counts_lookup() const {
  return kind == SpfMechanismKind::Include || kind == SpfMechanismKind::A ||
         kind == SpfMechanismKind::Mx || kind == SpfMechanismKind::Ptr ||
         kind == SpfMechanismKind::Exists;
}

bool is_spf_record(std::string_view text) {
  if (text.size() < 6 || core::ascii_lower(text.substr(0, 6)) != "v=spf1") return false;
  return text.size() == 6 || text[6] == ' ';
}

tl::expected<SpfRecord, SpfSyntaxError> parse_spf_record(std::string_view text) {
  if (!is_spf_record(text)) return error_at(0, "the record does not begin with \"v=spf1\"");
  SpfRecord record;
  std::size_t i = 6;
  while (i < text.size()) {
    if (text[i] == ' ') {  // terms are separated by one or more spaces (§4.6.1)
      ++i;
      continue;
    }
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    const auto term = text.substr(i, end - i);
    for (std::size_t k = 0; k < term.size(); ++k) {
      const auto c = static_cast<unsigned char>(term[k]);
      if (c < 0x21 || c > 0x7e)
        return error_at(i + k, fmt::format("character 0x{:02x} is not allowed (SPF records are "
                                           "printable US-ASCII, RFC 7208 §3.1)",
                                           c));
    }
    // A modifier is name "=" ...; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (§12).
    std::size_t n = 0;
    if (is_alpha(term[0])) {
      n = 1;
      while (n < term.size() &&
             (is_alnum(term[n]) || term[n] == '-' || term[n] == '_' || term[n] == '.'))
        ++n;
    }
    if (n > 0 && n < term.size() && term[n] == '=') {
      SpfModifier modifier{core::ascii_lower(term.substr(0, n)), std::string(term.substr(n + 1)),
                           i};
      const auto value_at = i + n + 1;
      if (modifier.name == "redirect" || modifier.name == "exp") {
        auto& slot = modifier.name == "redirect" ? record.redirect : record.exp;
        if (slot)
          return error_at(i, fmt::format("a second \"{}\" modifier (RFC 7208 §6)", modifier.name));
        if (auto e = check_domain_spec(modifier.value, value_at)) return Unexpected(*e);
        slot = std::move(modifier);
      } else {
        if (auto e = check_macro_string(modifier.value, true)) {  // any letter: never expanded
          e->position += value_at;
          return Unexpected(*e);
        }
        record.unknown.push_back(std::move(modifier));
      }
    } else {
      auto m = parse_directive(term, i);
      if (!m) return Unexpected(m.error());
      record.mechanisms.push_back(std::move(*m));
    }
    i = end;
  }
  return record;
}

}  // namespace mxkit::mailauth
