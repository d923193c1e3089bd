// IPv4/IPv6 text ↔ octets.
#include "dns/rdata_inet.hpp"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

#include "core/encoding.hpp"

namespace mxkit::dns {

bool parse_ipv4(std::string_view text, std::uint8_t* out4) {
  std::uint8_t octets[4];
  std::size_t count = 0;
  unsigned value = 0;
  std::size_t digits = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (digits == 1 && value == 0) return false;  // a leading zero
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 255) return false;
      ++digits;
    } else if (c == '.') {
      if (digits == 0 || count == 3) return false;
      octets[count++] = static_cast<std::uint8_t>(value);
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || count != 3) return false;
  octets[3] = static_cast<std::uint8_t>(value);
  std::memcpy(out4, octets, 4);
  return true;
}

bool parse_ipv6(std::string_view text, std::uint8_t* out16) {
  std::uint8_t bytes[16] = {};
  std::size_t at = 0;             // octets written
  std::size_t gap = SIZE_MAX;     // where "::" stands, as an octet offset
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (n == 0) return false;
  if (text[0] == ':') {
    // Only "::" may open the text.
    if (n < 2 || text[1] != ':') return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    // One group: 1-4 hex digits, or the embedded IPv4 tail.
    const std::size_t group_start = i;
    unsigned value = 0;
    std::size_t digits = 0;
    while (i < n && core::hex_value(text[i]) >= 0) {
      if (++digits > 4) return false;
      value = value << 4 | static_cast<unsigned>(core::hex_value(text[i]));
      ++i;
    }
    if (i < n && text[i] == '.') {
      // RFC 4291 §2.2 form 3: the rest is a dotted-decimal IPv4 address in the last 32 bits.
      if (at + 4 > 16 || !parse_ipv4(text.substr(group_start), bytes + at)) return false;
      at += 4;
      i = n;
      break;
    }
    if (digits == 0) return false;
    if (at + 2 > 16) return false;
    bytes[at++] = static_cast<std::uint8_t>(value >> 8);
    bytes[at++] = static_cast<std::uint8_t>(value);
    if (i == n) break;
    if (text[i] != ':') return false;
    ++i;
    if (i == n) return false;  // a trailing single ':'
    if (text[i] == ':') {
      if (gap != SIZE_MAX) return false;  // a second "::"
      gap = at;
      ++i;
    }
  }
  if (gap != SIZE_MAX) {
    // "::" stands for at least one zero group.
    if (at == 16) return false;
    const std::size_t tail = at - gap;
    std::memmove(bytes + 16 - tail, bytes + gap, tail);
    std::memset(bytes + gap, 0, 16 - tail - gap);
  } else if (at != 16) {
    return false;
  }
  std::memcpy(out16, bytes, 16);
  return true;
}

void append_ipv4(const std::uint8_t* address4, std::string& out) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, address4, buf, sizeof buf);
  out += buf;
}

void append_ipv6(const std::uint8_t* address16, std::string& out) {
  // glibc's inet_ntop writes the RFC 5952 form, into a stack buffer.
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, address16, buf, sizeof buf);
  out += buf;
}

}  // namespace mxkit::dns
