// TTL parsing.
#include "dns/ttl.hpp"

namespace mxkit::dns {

std::optional<std::uint32_t> parse_ttl(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t total = 0;
  std::uint64_t number = 0;
  bool have_digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = number * 10 + static_cast<std::uint64_t>(c - '0');
      if (number > 0xFFFFFFFFull) return std::nullopt;
      have_digits = true;
      continue;
    }
    if (!have_digits) return std::nullopt;
    std::uint64_t unit = 0;
    switch (c | 0x20) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 604800; break;
      default: return std::nullopt;
    }
    total += number * unit;
    if (total > 0xFFFFFFFFull) return std::nullopt;
    number = 0;
    have_digits = false;
  }
  total += number;
  if (total > 0xFFFFFFFFull) return std::nullopt;
  return static_cast<std::uint32_t>(total);
}

}  // namespace mxkit::dns
