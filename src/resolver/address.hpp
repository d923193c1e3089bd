// The address an A or AAAA record holds, as an Asio address: what the resolver sends queries to
// and what `dig +trace` names servers by.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <asio/ip/address.hpp>

namespace mxkit::resolver {

// Nothing for any other type, or for rdata of the wrong length.
std::optional<asio::ip::address> address_from_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata);

// An address's labels in reverse: "1.2.0.192" for 192.0.2.1, 32 dot-separated nibbles for IPv6
// (RFC 3596 §2.5), as PTR names and DNS-based lists (RFC 5782 §2.1, §2.4) use them.
std::string reversed_labels(const asio::ip::address& address);
// The PTR name: "1.2.0.192.in-addr.arpa." (RFC 1035 §3.5), "...ip6.arpa." for IPv6.
std::string reverse_name(const asio::ip::address& address);

}  // namespace mxkit::resolver
