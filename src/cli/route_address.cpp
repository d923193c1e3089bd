// The domain of an envelope address for `mxkit route` (RFC 5321 §4.1.2 local parts).
#include <cctype>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "cli/route_command.hpp"
#include "dns/name.hpp"

namespace mxkit::cli {

namespace {

// RFC 5322 §3.2.3 atext, plus octets above 127 (RFC 6531 lets UTF-8 into local parts).
bool is_atext(unsigned char c) {
  if (c >= 0x80 || std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

}  // namespace

core::Result<std::string> domain_of_address(std::string_view text) {
  if (text.size() >= 2 && text.front() == '<' && text.back() == '>')
    text = text.substr(1, text.size() - 2);
  if (text.empty()) return core::fail("empty address");
  std::string_view domain = text;
  if (text.front() == '"') {
    // Quoted-string: qtext or a backslash and any printable character, up to the closing quote.
    std::size_t i = 1;
    for (; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\') ++i;
    }
    if (i >= text.size()) return core::fail("the quoted local part has no closing quote");
    if (i + 1 >= text.size() || text[i + 1] != '@')
      return core::fail("a quoted local part must be followed by @domain");
    domain = text.substr(i + 2);
  } else if (auto at = text.find('@'); at != std::string_view::npos) {
    // Dot-string: atoms of atext joined by single dots.
    std::string_view local = text.substr(0, at);
    if (local.empty()) return core::fail("empty local part before @");
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
      return core::fail(
          fmt::format("local part \"{}\": dots must separate atoms (RFC 5321 §4.1.2)", local));
    for (char c : local)
      if (c != '.' && !is_atext(static_cast<unsigned char>(c)))
        return core::fail(fmt::format(
            "local part \"{}\": character '{}' needs quoting (RFC 5321 §4.1.2)", local, c));
    domain = text.substr(at + 1);
  }
  if (domain.empty()) return core::fail("empty domain");
  if (domain.front() == '[')
    return core::fail(fmt::format("\"{}\" is an address literal: it needs no MX routing", domain));
  std::string name(domain);
  if (name.back() == '.') name.pop_back();
  if (name.empty() || name.front() == '.' || name.find("..") != std::string::npos)
    return core::fail(fmt::format("\"{}\" is not a domain name: empty label", domain));
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80)
      return core::fail(fmt::format(
          "\"{}\": give an internationalised domain in its A-label (xn--) form", domain));
    if (!std::isalnum(u) && c != '-' && c != '.' && c != '_')
      return core::fail(fmt::format("\"{}\" is not a domain name: character '{}'", domain, c));
  }
  name.push_back('.');
  if (auto n = dns::Name::from_text(name); !n)
    return core::fail(fmt::format("\"{}\": {}", domain, n.error().message));
  return name;
}

}  // namespace mxkit::cli
