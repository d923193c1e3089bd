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

std::string reversed_labels(const asio::ip::address& address) {
  std::string out;
  auto label = [&out](unsigned value) {
    if (!out.empty()) out.push_back('.');
    out += std::to_string(value);
  };
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    for (auto it = b.rbegin(); it != b.rend(); ++it) label(*it);
    return out;
  }
  const auto b = address.to_v6().to_bytes();
  for (auto it = b.rbegin(); it != b.rend(); ++it) {
    out += out.empty() ? "" : ".";
    out.push_back("0123456789abcdef"[*it & 0xfu]);
    out.push_back('.');
    out.push_back("0123456789abcdef"[*it >> 4]);
  }
  return out;
}

std::string reverse_name(const asio::ip::address& address) {
  return reversed_labels(address) + (address.is_v4() ? ".in-addr.arpa." : ".ip6.arpa.");
}

}  // namespace mxkit::resolver
