// APL rdata (RFC 3123): a list of address prefixes, each "[!]afi:address/prefix" in text.
#include <cstring>

#include "dns/rdata_fields.hpp"
#include "dns/rdata_inet.hpp"

namespace mxkit::dns::fields {

namespace {

// RFC 3123 §4 defines text for address families 1 (IPv4) and 2 (IPv6) only.
std::size_t address_size(std::uint32_t family) { return family == 1 ? 4 : family == 2 ? 16 : 0; }

}  // namespace

// RFC 3123 §5; the list may be empty.
std::string parse_apl(TextCursor& in, Bytes& out) {
  while (!in.done()) {
    const Token& tok = in.next();
    std::string_view text = tok.text;
    const auto item = [&] { return std::string(tok.text); };
    const bool negated = text.starts_with('!');
    if (negated) text.remove_prefix(1);
    const std::size_t colon = text.find(':');
    const std::size_t slash = text.rfind('/');
    if (tok.quoted || colon == std::string_view::npos || slash == std::string_view::npos ||
        slash < colon)
      return "expected [!]afi:address/prefix, found \"" + item() + "\"";
    const auto family_text = text.substr(0, colon);
    const std::uint32_t family = family_text == "1" ? 1 : family_text == "2" ? 2 : 0;
    if (family == 0) return "address family must be 1 (IPv4) or 2 (IPv6) in \"" + item() + "\"";
    std::uint8_t address[16] = {};
    const auto address_text = text.substr(colon + 1, slash - colon - 1);
    if (!(family == 1 ? parse_ipv4(address_text, address) : parse_ipv6(address_text, address)))
      return "bad address in \"" + item() + "\"";
    std::uint64_t prefix = 0;
    if (!parse_number(text.substr(slash + 1), family == 1 ? 32 : 128, prefix).empty())
      return "bad prefix length in \"" + item() + "\"";
    // RFC 3123 §4: the address part is sent without its trailing zero octets.
    std::size_t length = address_size(family);
    while (length > 0 && address[length - 1] == 0) --length;
    put16(out, family);
    out.push_back(static_cast<std::uint8_t>(prefix));
    out.push_back(static_cast<std::uint8_t>((negated ? 0x80 : 0) | length));
    out.insert(out.end(), address, address + length);
  }
  return {};
}

bool print_apl(WireCursor& in, std::string* out) {
  bool first = true;
  while (!in.done()) {
    if (in.left() < 4) return false;
    const std::uint8_t* p = in.here();
    const std::uint32_t family = get16(p);
    const unsigned prefix = p[2];
    const bool negated = (p[3] & 0x80) != 0;
    const std::size_t length = p[3] & 0x7F;
    if (in.left() < 4 + length) return false;
    const std::size_t size = address_size(family);
    // A known family's address cannot be longer than the address itself.
    if (size != 0 && length > size) return false;
    if (out) {
      // Text exists for families 1 and 2 only, and cannot carry trailing zero octets or a
      // prefix longer than the address.
      if (size == 0 || (length > 0 && p[3 + length] == 0) || prefix > size * 8) return false;
      if (!first) out->push_back(' ');
      if (negated) out->push_back('!');
      out->push_back(family == 1 ? '1' : '2');
      out->push_back(':');
      std::uint8_t address[16] = {};
      std::memcpy(address, p + 4, length);
      if (family == 1) append_ipv4(address, *out);
      else append_ipv6(address, *out);
      out->push_back('/');
      append_number(prefix, *out);
    }
    first = false;
    in.pos += 4 + length;
  }
  return true;
}

}  // namespace mxkit::dns::fields
