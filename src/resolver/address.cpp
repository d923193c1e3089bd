// A/AAAA rdata to addresses (see address.hpp).
#include "resolver/address.hpp"

#include <algorithm>

#include "dns/rrtype.hpp"

namespace mxkit::resolver {

std::optional<asio::ip::address> address_from_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata) {
  if (type == dns::rrtype::A && rdata.size() == 4) {
    asio::ip::address_v4::bytes_type b{};
    std::copy(rdata.begin(), rdata.end(), b.begin());
    return asio::ip::address_v4(b);
  }
  if (type == dns::rrtype::AAAA && rdata.size() == 16) {
    asio::ip::address_v6::bytes_type b{};
    std::copy(rdata.begin(), rdata.end(), b.begin());
    return asio::ip::address_v6(b);
  }
  return std::nullopt;
}

}  // namespace mxkit::resolver
