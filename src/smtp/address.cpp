// Mailbox and path parsing (RFC 5321 §4.1.2, §4.5.3.1 limits; RFC 6531 §3.3 for UTF-8).
#include "smtp/address.hpp"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>

#include "core/ascii.hpp"

namespace mxkit::smtp {

namespace {

constexpr std::size_t kMaxLocalPart = 64;  // RFC 5321 §4.5.3.1.1
constexpr std::size_t kMaxDomain = 255;    // RFC 5321 §4.5.3.1.2
constexpr std::size_t kMaxLabel = 63;      // RFC 1035 §2.3.4
constexpr std::size_t kMaxPath = 256;      // RFC 5321 §4.5.3.1.3, with the angle brackets

bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// atext of RFC 5322 §3.2.3, which RFC 5321's Atom uses.
bool is_atext(unsigned char c) {
  return is_alpha(c) || is_digit(c) || (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

// The length of the well-formed UTF-8 sequence (RFC 3629 §4) at the start of `s` that encodes
// a non-ASCII character, or 0 when there is none.
std::size_t utf8_sequence(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return 0;
  }
  return n;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) {  // error texts go into replies: ASCII only, no CR/LF
      out += "\\x";
      out += "0123456789abcdef"[u >> 4];
      out += "0123456789abcdef"[u & 15];
    } else {
      out += c;
    }
  }
  return out + (s.size() > 80 ? "...\"" : "\"");
}

// Checks that every octet >= 0x80 in `s` belongs to a well-formed UTF-8 character and that
// UTF-8 is allowed at all.
core::Result<void> check_utf8(std::string_view s, bool allow_utf8, const char* what) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    if (!allow_utf8) {
      return core::fail(std::string("non-ASCII ") + what + " " + quoted(s) +
                        " without SMTPUTF8 (RFC 6531)");
    }
    const std::size_t n = utf8_sequence(s.substr(i));
    if (n == 0) return core::fail(std::string("malformed UTF-8 in ") + what + " " + quoted(s));
    i += n;
  }
  return {};
}

// Dot-string (RFC 5321 §4.1.2): atoms of atext (plus UTF-8, RFC 6531 §3.3) joined by dots.
core::Result<void> check_dot_string(std::string_view local, bool allow_utf8) {
  if (local.empty()) return core::fail("empty local part");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return core::fail("bad local part " + quoted(local) + " (empty atom between dots)");
  }
  for (unsigned char c : local) {
    if (c != '.' && c < 0x80 && !is_atext(c)) {
      return core::fail("bad character " +
                        quoted(std::string_view(reinterpret_cast<char*>(&c), 1)) +
                        " in local part " + quoted(local));
    }
  }
  return check_utf8(local, allow_utf8, "local part");
}

// Quoted-string (RFC 5321 §4.1.2): qtextSMTP is 32-126 except '"' and '\'; quoted-pairSMTP is
// '\' followed by 32-126. `local` includes the quotes.
core::Result<void> check_quoted_string(std::string_view local, bool allow_utf8) {
  for (std::size_t i = 1; i + 1 < local.size(); ++i) {
    const auto c = static_cast<unsigned char>(local[i]);
    if (c == '\\') {
      if (i + 2 >= local.size()) return core::fail("quoted local part ends in a backslash");
      const auto e = static_cast<unsigned char>(local[i + 1]);
      if (e < 32 || e > 126) return core::fail("bad escaped character in quoted local part");
      ++i;
    } else if (c == '"') {
      return core::fail("unescaped '\"' inside quoted local part");
    } else if (c < 32 || c == 127) {
      return core::fail("control character in quoted local part " + quoted(local));
    }
  }
  return check_utf8(local, allow_utf8, "local part");
}

// The end of a quoted local part starting at s[0] == '"': the index after the closing quote.
std::size_t quoted_string_end(std::string_view s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Domain (RFC 5321 §4.1.2): LDH labels, letter or digit at both ends; U-labels (RFC 6531) when
// UTF-8 is allowed (checked for well-formed UTF-8 only, not for IDNA2008 rules).
core::Result<void> check_domain(std::string_view domain, bool allow_utf8) {
  if (domain.empty()) return core::fail("empty domain");
  if (domain.size() > kMaxDomain) return core::fail("domain longer than 255 octets");
  std::string_view rest = domain;
  while (true) {
    const auto dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabel) {
      return core::fail("bad domain " + quoted(domain) +
                        (label.empty() ? " (empty label)" : " (label longer than 63 octets)"));
    }
    for (std::size_t i = 0; i < label.size(); ++i) {
      const auto c = static_cast<unsigned char>(label[i]);
      const bool edge = i == 0 || i + 1 == label.size();
      if (c >= 0x80) continue;  // checked as UTF-8 below
      if (!(is_alpha(c) || is_digit(c) || (c == '-' && !edge))) {
        return core::fail("bad domain " + quoted(domain));
      }
    }
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return check_utf8(domain, allow_utf8, "domain");
}

// address-literal (RFC 5321 §4.1.3): "[1.2.3.4]" or "[IPv6:...]"; other tags are not registered.
core::Result<void> check_address_literal(std::string_view literal) {
  const std::string inner(literal.substr(1, literal.size() - 2));
  unsigned char buffer[16];
  if (inner.size() > 5 && (inner.compare(0, 5, "IPv6:") == 0 || inner.compare(0, 5, "ipv6:") == 0 ||
                           inner.compare(0, 5, "IPV6:") == 0)) {
    // Only hex digits, ':' and '.' (IPv4 tail) reach inet_pton, which would stop at a NUL.
    const bool clean = inner.find_first_not_of("0123456789abcdefABCDEF:.", 5) == std::string::npos;
    if (clean && inet_pton(AF_INET6, inner.c_str() + 5, buffer) == 1) return {};
    return core::fail("bad IPv6 address literal " + quoted(literal));
  }
  // Snum is 1-3 digits, 0-255 (inet_pton also refuses leading zeros, which Snum allows).
  int parts = 0;
  std::string_view rest = inner;
  while (true) {
    std::size_t n = 0;
    unsigned value = 0;
    while (n < rest.size() && n < 4 && is_digit(static_cast<unsigned char>(rest[n]))) {
      value = value * 10 + static_cast<unsigned>(rest[n] - '0');
      ++n;
    }
    if (n == 0 || n > 3 || value > 255) break;
    ++parts;
    rest.remove_prefix(n);
    if (rest.empty() || parts == 4) break;
    if (rest[0] != '.') break;
    rest.remove_prefix(1);
  }
  if (parts == 4 && rest.empty()) return {};
  return core::fail("bad address literal " + quoted(literal));
}

core::Result<Mailbox> parse_mailbox_impl(std::string_view text, bool allow_utf8) {
  if (text.empty()) return core::fail("empty address");
  std::size_t at;
  if (text[0] == '"') {
    const auto end = quoted_string_end(text);
    if (end == std::string_view::npos) return core::fail("unterminated quoted local part");
    at = end;
    if (at >= text.size() || text[at] != '@')
      return core::fail("missing '@' after quoted local part");
  } else {
    at = text.rfind('@');
    if (at == std::string_view::npos) return core::fail("missing '@' in " + quoted(text));
  }
  Mailbox box{std::string(text.substr(0, at)), std::string(text.substr(at + 1))};
  if (box.local.size() > kMaxLocalPart) return core::fail("local part longer than 64 octets");
  auto local_ok = box.local[0] == '"' ? check_quoted_string(box.local, allow_utf8)
                                      : check_dot_string(box.local, allow_utf8);
  if (!local_ok) return tl::unexpected(local_ok.error());
  if (!box.domain.empty() && box.domain.front() == '[') {
    if (box.domain.back() != ']') return core::fail("unterminated address literal");
    auto ok = check_address_literal(box.domain);
    if (!ok) return tl::unexpected(ok.error());
  } else {
    auto ok = check_domain(box.domain, allow_utf8);
    if (!ok) return tl::unexpected(ok.error());
  }
  return box;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20) && is_alpha(static_cast<unsigned char>(x));
         });
}

// Mail-parameters (RFC 5321 §4.1.2): esmtp-keyword ["=" esmtp-value], separated by spaces.
core::Result<Parameters> parse_parameters(std::string_view text, bool allow_utf8) {
  Parameters out;
  while (true) {
    while (!text.empty() && text[0] == ' ') text.remove_prefix(1);
    if (text.empty()) break;
    const std::string_view word = text.substr(0, text.find(' '));
    text.remove_prefix(word.size());
    const auto eq = word.find('=');
    const std::string_view keyword = word.substr(0, eq);
    if (keyword.empty() || !(is_alpha(static_cast<unsigned char>(keyword[0])) ||
                             is_digit(static_cast<unsigned char>(keyword[0])))) {
      return core::fail("bad parameter " + quoted(word));
    }
    std::string upper;
    for (char c : keyword) {
      const auto u = static_cast<unsigned char>(c);
      if (!is_alpha(u) && !is_digit(u) && c != '-')
        return core::fail("bad parameter " + quoted(word));
      upper.push_back(is_alpha(u) ? static_cast<char>(u & ~0x20) : c);
    }
    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string(word.substr(eq + 1));
      if (value.empty()) return core::fail("empty value in parameter " + quoted(word));
      for (unsigned char c : value) {
        if (c < 33 || c == '=' || c == 127 || (c >= 0x80 && !allow_utf8)) {
          return core::fail("bad value in parameter " + quoted(word));
        }
      }
      if (auto ok = check_utf8(value, allow_utf8, "parameter value"); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    out.emplace_back(std::move(upper), std::move(value));
  }
  return out;
}

}  // namespace

std::string Mailbox::domain_lower() const { return core::ascii_lower(domain); }

std::string address_domain(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : core::ascii_lower(address.substr(at + 1));
}

bool Mailbox::is_utf8() const {
  auto high = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
  return std::any_of(local.begin(), local.end(), high) ||
         std::any_of(domain.begin(), domain.end(), high);
}

core::Result<PathArgument> parse_path_argument(std::string_view text, const ParseOptions& options) {
  while (!text.empty() && text[0] == ' ') text.remove_prefix(1);
  if (text.empty()) return core::fail("missing address");
  if (text[0] != '<') return core::fail("missing '<' before the address");
  // The closing '>' is the first one outside a quoted local part.
  std::size_t close = std::string_view::npos;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '"') {
      const auto end = quoted_string_end(text.substr(i));
      if (end == std::string_view::npos) return core::fail("unterminated quoted local part");
      i += end - 1;
    } else if (text[i] == '>') {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) return core::fail("missing '>' after the address");
  if (close + 1 > kMaxPath) return core::fail("path longer than 256 octets");
  const std::string_view after = text.substr(close + 1);
  if (!after.empty() && after[0] != ' ')
    return core::fail("no space between '>' and the parameters");

  PathArgument result;
  std::string_view inner = text.substr(1, close - 1);
  if (inner.empty()) {
    if (!options.allow_null) return core::fail("empty path \"<>\" not allowed here");
    result.path.null = true;
  } else if (options.allow_postmaster && equals_ignore_case(inner, "postmaster")) {
    result.path.mailbox.local = std::string(inner);  // RFC 5321 §4.5.1: no domain needed
  } else {
    if (inner[0] == '@') {
      // A-d-l ":" (source route, RFC 5321 §4.1.2): checked, then ignored as Appendix C allows.
      const auto colon = inner.find(':');
      if (colon == std::string_view::npos) return core::fail("source route without ':'");
      std::string_view route = inner.substr(0, colon);
      while (!route.empty()) {
        const auto comma = route.find(',');
        const std::string_view hop = route.substr(0, comma);
        if (hop.size() < 2 || hop[0] != '@') return core::fail("bad source route " + quoted(inner));
        if (auto ok = check_domain(hop.substr(1), options.allow_utf8); !ok) {
          return core::fail("bad source route: " + ok.error().message);
        }
        if (comma == std::string_view::npos) break;
        route.remove_prefix(comma + 1);
      }
      inner.remove_prefix(colon + 1);
    }
    auto box = parse_mailbox_impl(inner, options.allow_utf8);
    if (!box) return tl::unexpected(box.error());
    result.path.mailbox = std::move(*box);
  }
  auto parameters = parse_parameters(after, options.allow_utf8);
  if (!parameters) return tl::unexpected(parameters.error());
  result.parameters = std::move(*parameters);
  return result;
}

core::Result<Mailbox> parse_mailbox(std::string_view text, bool allow_utf8) {
  return parse_mailbox_impl(text, allow_utf8);
}

}  // namespace mxkit::smtp
