// An IP address prefix as operators write it in access lists: "192.0.2.0/24", "2001:db8::/32",
// or a single address ("127.0.0.1" is 127.0.0.1/32).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <asio/ip/address.hpp>

#include "core/result.hpp"

namespace mxkit::net {

struct AddressPrefix {
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;
  unsigned length = 0;  // bits

  static core::Result<AddressPrefix> parse(std::string_view text);
  // `address` is 4 or 16 octets.
  bool contains(std::span<const std::uint8_t> address) const;
  // An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is taken as the IPv4 address.
  bool contains(const asio::ip::address& address) const;
};

}  // namespace mxkit::net
