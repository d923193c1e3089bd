// The address an A or AAAA record holds, as an Asio address: what the resolver sends queries to
// and what `dig +trace` names servers by.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include <asio/ip/address.hpp>

namespace mxkit::resolver {

// Nothing for any other type, or for rdata of the wrong length.
std::optional<asio::ip::address> address_from_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata);

}  // namespace mxkit::resolver
