// SPF macro expansion (RFC 7208 §7).
#include "mailauth/spf_macro.hpp"

#include <algorithm>
#include <ctime>
#include <vector>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "resolver/address.hpp"

namespace mxkit::mailauth {
namespace {

using Unexpected = tl::unexpected<SpfSyntaxError>;

// §7.1: c, r and t belong to explanation strings only (§7.2 says so of the letters).
bool is_macro_letter(char lower, bool explanation) {
  switch (lower) {
    case 's':
    case 'l':
    case 'o':
    case 'd':
    case 'i':
    case 'p':
    case 'h':
    case 'v': return true;
    case 'c':
    case 'r':
    case 't': return explanation;
    default: return false;
  }
}

bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

// One parsed "%{...}" (positions relative to the macro-string).
struct Macro {
  char letter = 0;  // lower-cased
  bool upper = false;
  unsigned keep = 0;  // 0: all parts
  bool reverse = false;
  std::string delimiters;
  std::size_t end = 0;  // index just past '}'
};

tl::expected<Macro, SpfSyntaxError> parse_macro(std::string_view text, std::size_t at,
                                                bool explanation) {
  // text[at] == '%', text[at + 1] == '{'
  Macro m;
  std::size_t i = at + 2;
  if (i >= text.size()) return Unexpected(SpfSyntaxError{at, "\"%{\" is not closed"});
  const char letter = text[i];
  m.letter = static_cast<char>(letter | 0x20);
  m.upper = letter >= 'A' && letter <= 'Z';
  if (!is_macro_letter(m.letter, explanation)) {
    const bool exp_only = m.letter == 'c' || m.letter == 'r' || m.letter == 't';
    return Unexpected(SpfSyntaxError{
        i, exp_only ? fmt::format("macro letter \"{}\" is allowed only in explanations "
                                  "(RFC 7208 §7.2)",
                                  letter)
                    : fmt::format("\"{}\" is not a macro letter (RFC 7208 §7.2)",
                                  std::string_view(&text[i], 1))});
  }
  ++i;
  const std::size_t digits_at = i;
  unsigned value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = std::min(value * 10 + static_cast<unsigned>(text[i] - '0'), 1000u);
    ++i;
  }
  if (i > digits_at) {
    if (value == 0)
      return Unexpected(
          SpfSyntaxError{digits_at, "a macro's part count must not be zero (RFC 7208 §7.3)"});
    m.keep = value;
  }
  if (i < text.size() && (text[i] == 'r' || text[i] == 'R')) {
    m.reverse = true;
    ++i;
  }
  while (i < text.size() && is_delimiter(text[i])) m.delimiters.push_back(text[i++]);
  if (i >= text.size() || text[i] != '}')
    return Unexpected(SpfSyntaxError{i,
                                     "a macro must end with \"}\" after its letter, part "
                                     "count, \"r\" and delimiters (RFC 7208 §7.1)"});
  m.end = i + 1;
  return m;
}

// Walks a macro-string; calls on_literal(text) and on_macro(Macro) in order.
template <class Literal, class Expand>
std::optional<SpfSyntaxError> walk(std::string_view text, bool explanation, Literal on_literal,
                                   Expand on_macro) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '%') {
      if (i + 1 >= text.size())
        return SpfSyntaxError{i, "a lone \"%\" at the end (write \"%%\" for a percent sign)"};
      const char next = text[i + 1];
      if (next == '%' || next == '_' || next == '-') {
        on_literal(next == '%' ? "%" : next == '_' ? " " : "%20");
        i += 2;
        continue;
      }
      if (next != '{')
        return SpfSyntaxError{
            i, fmt::format("\"%{}\" is not a macro: use %{{x}}, %%, %_ or %-", next)};
      auto m = parse_macro(text, i, explanation);
      if (!m) return m.error();
      on_macro(*m);
      i = m->end;
      continue;
    }
    // macro-literal is visible ASCII (§7.1); an explanation may hold spaces too (§6.2).
    if (c < 0x21 || c > 0x7e) {
      if (!(explanation && c == ' '))
        return SpfSyntaxError{
            i, fmt::format("character 0x{:02x} is not allowed in a macro-string", c)};
    }
    on_literal(std::string_view(&text[i], 1));
    ++i;
  }
  return std::nullopt;
}

// §7.3 "i" for IPv6: 32 dot-separated nibbles, most significant first.
std::string nibbles(const asio::ip::address_v6& ip) {
  std::string out;
  out.reserve(63);
  for (auto b : ip.to_bytes()) {
    if (!out.empty()) out.push_back('.');
    out.push_back("0123456789abcdef"[b >> 4]);
    out.push_back('.');
    out.push_back("0123456789abcdef"[b & 0xfu]);
  }
  return out;
}

// §7.3 "i": dotted decimal, or 32 dot-separated nibbles for IPv6.
std::string dotted_ip(const asio::ip::address& ip) {
  if (ip.is_v4()) return ip.to_string();
  return nibbles(ip.to_v6());
}

std::string letter_value(const Macro& m, const SpfMacroContext& c) {
  switch (m.letter) {
    case 's': return c.sender;
    case 'l': return c.local_part;
    case 'o': return c.sender_domain;
    case 'd': return c.domain;
    case 'i': return dotted_ip(c.ip);
    case 'p': return c.validated_name.value_or("unknown");
    case 'h': return c.helo;
    case 'v': return c.ip.is_v4() ? "in-addr" : "ip6";
    case 'c': return c.ip.to_string();
    case 'r': return c.receiver;
    case 't': return std::to_string(c.timestamp != 0 ? c.timestamp : std::time(nullptr));
    default: return {};
  }
}

// §7.3: split on the delimiters, optionally reverse, keep the rightmost parts, join with '.'.
std::string transform(const std::string& value, const Macro& m) {
  if (m.keep == 0 && !m.reverse && (m.delimiters.empty() || m.delimiters == ".")) return value;
  const std::string delimiters = m.delimiters.empty() ? "." : m.delimiters;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delimiters.find(value[i]) != std::string::npos) {
      parts.emplace_back(value.data() + start, i - start);
      start = i + 1;
    }
  }
  if (m.reverse) std::reverse(parts.begin(), parts.end());
  std::size_t first = 0;
  if (m.keep != 0 && m.keep < parts.size()) first = parts.size() - m.keep;
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i > first) out.push_back('.');
    out.append(parts[i]);
  }
  return out;
}

// RFC 3986 unreserved characters stay; every other octet becomes %XX (§7.3, upper-case letters).
std::string url_escape(const std::string& value) {
  std::string out;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

bool uses_ptr_macro(std::string_view macro_string) {
  bool found = false;
  walk(
      macro_string, true, [](std::string_view) {},
      [&found](const Macro& m) {
        if (m.letter == 'p') found = true;
      });
  return found;
}

bool ends_with_macro(std::string_view text) {
  bool last = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '%' && i + 1 < text.size()) {
      if (text[i + 1] == '{') {
        const auto close = text.find('}', i);
        if (close == std::string_view::npos) return false;
        i = close + 1;
      } else {
        i += 2;
      }
      last = true;
    } else {
      ++i;
      last = false;
    }
  }
  return last;
}

std::optional<SpfSyntaxError> check_macro_string(std::string_view text, bool explanation) {
  return walk(
      text, explanation, [](std::string_view) {}, [](const Macro&) {});
}

tl::expected<std::string, SpfSyntaxError> expand_macros(std::string_view text,
                                                        const SpfMacroContext& context,
                                                        bool explanation) {
  std::string out;
  auto error = walk(
      text, explanation, [&out](std::string_view literal) { out.append(literal); },
      [&](const Macro& m) {
        std::string value = transform(letter_value(m, context), m);
        out += m.upper ? url_escape(value) : value;
      });
  if (error) return Unexpected(*error);
  return out;
}

std::string truncate_domain(std::string name) {
  while (name.size() > 253) {
    const auto dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return name;
}

std::string reverse_name(const asio::ip::address& ip) {
  std::string name = resolver::reverse_name(ip);
  name.pop_back();  // the macro context writes names without the root's dot
  return name;
}

}  // namespace mxkit::mailauth
