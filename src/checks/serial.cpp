// RFC 1982 §3.2 comparison (see serial.hpp).
#include "checks/serial.hpp"

namespace mxkit::checks {

std::string_view serial_order_name(SerialOrder order) {
  switch (order) {
    case SerialOrder::equal: return "equal";
    case SerialOrder::less: return "less";
    case SerialOrder::greater: return "greater";
    case SerialOrder::undefined: return "undefined";
  }
  return "undefined";
}

SerialOrder compare_serials(std::uint32_t a, std::uint32_t b) {
  if (a == b) return SerialOrder::equal;
  constexpr std::uint32_t kHalf = 1u << 31;  // 2^(SERIAL_BITS - 1)
  // Unsigned subtraction is the modulo-2^32 distance the RFC's two cases describe.
  const std::uint32_t ahead = a - b;
  if (ahead == kHalf) return SerialOrder::undefined;
  return ahead < kHalf ? SerialOrder::greater : SerialOrder::less;
}

}  // namespace mxkit::checks
