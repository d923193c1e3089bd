// Address prefixes "192.0.2.0/24", "2001:db8::/32", "127.0.0.1" (see prefix.hpp).
#include "net/prefix.hpp"

#include <charconv>
#include <string>

#include <arpa/inet.h>
#include <fmt/format.h>

namespace mxkit::net {

core::Result<AddressPrefix> AddressPrefix::parse(std::string_view text) {
  AddressPrefix p;
  auto slash = text.find('/');
  std::string address(text.substr(0, slash));
  if (inet_pton(AF_INET, address.c_str(), p.bytes.data()) == 1) {
    p.v6 = false;
    p.length = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), p.bytes.data()) == 1) {
    p.v6 = true;
    p.length = 128;
  } else {
    return core::fail(fmt::format("\"{}\" is not an IP address", address));
  }
  if (slash != std::string_view::npos) {
    auto bits = text.substr(slash + 1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (ec != std::errc() || ptr != bits.data() + bits.size() || value > p.length)
      return core::fail(fmt::format("bad prefix length \"{}\"", bits));
    p.length = value;
  }
  return p;
}

bool AddressPrefix::contains(std::span<const std::uint8_t> address) const {
  if ((address.size() == 16) != v6) return false;
  unsigned full = length / 8, rest = length % 8;
  for (unsigned i = 0; i < full; ++i)
    if (address[i] != bytes[i]) return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (address[full] & mask) == (bytes[full] & mask);
}

bool AddressPrefix::contains(const asio::ip::address& address) const {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return contains(asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()));
  if (address.is_v4()) {
    const auto bytes4 = address.to_v4().to_bytes();
    return contains(std::span<const std::uint8_t>(bytes4.data(), bytes4.size()));
  }
  const auto bytes6 = address.to_v6().to_bytes();
  return contains(std::span<const std::uint8_t>(bytes6.data(), bytes6.size()));
}

}  // namespace mxkit::net
