// Binary-to-text encodings used by DNS presentation format: hex, Base64 (RFC 4648 §4),
// Base32hex (RFC 4648 §7, as NSEC3 uses it).
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

// Base32hex without padding, upper case (RFC 5155 §3.3 writes NSEC3 hashes this way).
void append_base32hex(std::span<const std::uint8_t> data, std::string& out);
// Accepts upper or lower case, with or without RFC 4648 padding; the bits past the last
// whole octet must be zero (RFC 4648 §3.5), so every accepted text has one meaning.
Result<void> decode_base32hex(std::string_view text, Bytes& out);

// Value of a hex digit, or -1.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex split over several pieces of text (zone-file tokens): digit pairs may straddle pieces.
// Decodes straight into `out`, so a long key or digest costs no temporary copy.
class HexDecoder {
 public:
  explicit HexDecoder(Bytes& out) : out_(out) {}
  bool feed(std::string_view text);  // false on a character that is not a hex digit
  bool finish() const { return !pending_; }  // false when a digit is left without its pair
  std::size_t digits() const { return digits_; }

 private:
  Bytes& out_;
  std::uint8_t high_ = 0;
  bool pending_ = false;
  std::size_t digits_ = 0;
};

// Base64 split over several pieces of text, with the same freedom; padding may appear only
// at the very end.
class Base64Decoder {
 public:
  explicit Base64Decoder(Bytes& out) : out_(out) {}
  // Returns an error message, empty on success.
  std::string_view feed(std::string_view text);
  std::string_view finish() const;
  std::size_t characters() const { return count_; }

 private:
  Bytes& out_;
  std::uint32_t quantum_ = 0;
  std::size_t count_ = 0;  // characters seen, padding included
  int in_quantum_ = 0;     // characters of the current 4-character quantum
  int padding_ = 0;
};

}  // namespace mxkit::core
