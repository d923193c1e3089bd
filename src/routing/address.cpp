// IP addresses for routing: parsing, A/AAAA rdata and text.
#include "routing/address.hpp"

#include <algorithm>

#include "dns/rdata_inet.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::routing {

std::string Address::to_text() const {
  std::string out;
  if (family == Family::V4) {
    dns::append_ipv4(octets.data(), out);
  } else {
    dns::append_ipv6(octets.data(), out);
  }
  return out;
}

std::optional<Address> parse_address(std::string_view text) {
  Address a;
  if (dns::parse_ipv4(text, a.octets.data())) {
    a.family = Address::Family::V4;
    return a;
  }
  if (dns::parse_ipv6(text, a.octets.data())) {
    a.family = Address::Family::V6;
    return a;
  }
  return std::nullopt;
}

std::optional<Address> address_from_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata) {
  Address a;
  if (type == dns::rrtype::A && rdata.size() == 4) {
    a.family = Address::Family::V4;
  } else if (type == dns::rrtype::AAAA && rdata.size() == 16) {
    a.family = Address::Family::V6;
  } else {
    return std::nullopt;
  }
  std::copy(rdata.begin(), rdata.end(), a.octets.begin());
  return a;
}

}  // namespace mxkit::routing
