// Binary-to-text encodings used by DNS presentation format: hex, Base64 (RFC 4648 §4),
// Base32hex without padding (RFC 4648 §7, as NSEC3 uses it).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mxkit::core {

using Bytes = std::vector<std::uint8_t>;

void append_hex(std::span<const std::uint8_t> data, std::string& out, bool upper = true);
// Decodes hex digits; whitespace is not allowed here (callers join tokens first).
Result<void> decode_hex(std::string_view text, Bytes& out);

void append_base64(std::span<const std::uint8_t> data, std::string& out);
Result<void> decode_base64(std::string_view text, Bytes& out);

void append_base32hex(std::span<const std::uint8_t> data, std::string& out);
Result<void> decode_base32hex(std::string_view text, Bytes& out);

// Value of a hex digit, or -1.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace mxkit::core
