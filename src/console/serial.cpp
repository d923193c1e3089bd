#include "console/serial.hpp"

namespace mxkit::console {
namespace {

// A serial is in the date form when its first eight digits are a real calendar date.
bool is_date_form(std::uint32_t serial) {
  if (serial < 1000000000u) return false;  // fewer than ten digits
  const auto date = serial / 100;
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(date / 10000)},
                                        std::chrono::month{static_cast<unsigned>(date / 100 % 100)},
                                        std::chrono::day{static_cast<unsigned>(date % 100)}};
  return ymd.ok();
}

std::uint32_t increment(std::uint32_t current) {
  const std::uint32_t next = current + 1;  // wraps modulo 2^32 (RFC 1982 §3.1)
  return next == 0 ? 1 : next;
}

}  // namespace

bool serial_less(std::uint32_t a, std::uint32_t b) {
  // RFC 1982 §3.2 with SERIAL_BITS = 32: a < b when b is ahead of a by less than 2^31.
  return a != b && static_cast<std::uint32_t>(b - a) < (std::uint32_t{1} << 31);
}

std::uint32_t next_serial(std::uint32_t current, std::chrono::year_month_day today) {
  if (current != 0 && !is_date_form(current)) return increment(current);
  const auto y = static_cast<std::uint32_t>(static_cast<int>(today.year()));
  const auto m = static_cast<unsigned>(today.month());
  const auto d = static_cast<unsigned>(today.day());
  const std::uint32_t first_today = ((y * 100 + m) * 100 + d) * 100;
  if (current == 0) return first_today;
  if (serial_less(current, first_today)) return first_today;
  // Today's serials have begun (or the serial is from a later date): count on from it.
  return increment(current);
}

std::chrono::year_month_day utc_today() {
  return std::chrono::year_month_day{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
}

}  // namespace mxkit::console
