// SOA serial numbers compared with RFC 1982 serial number arithmetic (SERIAL_BITS = 32): the
// serial wraps, so "newer" means ahead by less than 2^31, and a distance of exactly 2^31 has
// no order at all (RFC 1982 §3.2).
#pragma once

#include <cstdint>
#include <string_view>

namespace mxkit::checks {

enum class SerialOrder : std::uint8_t { equal, less, greater, undefined };
std::string_view serial_order_name(SerialOrder order);  // "equal", "less", ...

// How `a` compares with `b` (RFC 1982 §3.2): less means `b` is the newer serial.
SerialOrder compare_serials(std::uint32_t a, std::uint32_t b);

}  // namespace mxkit::checks
