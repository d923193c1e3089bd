// IP addresses as the routing layer carries them: a family and the octets, with the text form
// used for --self matching, plans and JSON. No sockets here (routing depends on dns only).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mxkit::routing {

struct Address {
  enum class Family : std::uint8_t { V4, V6 } family = Family::V4;
  std::array<std::uint8_t, 16> octets{};  // V4 uses the first 4

  std::string to_text() const;  // dotted quad, or RFC 5952 form
  friend bool operator==(const Address&, const Address&) = default;
};

// "192.0.2.1" or "2001:db8::1"; nullopt for anything else.
std::optional<Address> parse_address(std::string_view text);

// The rdata of an A (4 octets) or AAAA (16 octets) record; nullopt when the length is wrong.
std::optional<Address> address_from_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata);

}  // namespace mxkit::routing
