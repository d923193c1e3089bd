// Hex, Base64 and Base32hex codecs.
#include "core/encoding.hpp"

#include <array>

namespace mxkit::core {

namespace {
constexpr std::string_view kHexUpper = "0123456789ABCDEF";
constexpr std::string_view kHexLower = "0123456789abcdef";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase32Hex = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

constexpr std::array<std::int8_t, 256> make_reverse(std::string_view alphabet, bool fold_case) {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    auto c = static_cast<unsigned char>(alphabet[i]);
    table[c] = static_cast<std::int8_t>(i);
    if (fold_case && c >= 'A' && c <= 'Z') table[c + 32] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr auto kBase64Rev = make_reverse(kBase64, false);
constexpr auto kBase32HexRev = make_reverse(kBase32Hex, true);
}  // namespace

void append_hex(std::span<const std::uint8_t> data, std::string& out, bool upper) {
  const auto& digits = upper ? kHexUpper : kHexLower;
  for (auto b : data) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
}

Result<void> decode_hex(std::string_view text, Bytes& out) {
  if (text.size() % 2 != 0) return fail("odd number of hex digits");
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_value(text[i]);
    int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return fail("bad hex digit");
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return {};
}

void append_base64(std::span<const std::uint8_t> data, std::string& out) {
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = std::uint32_t(data[i]) << 16 | std::uint32_t(data[i + 1]) << 8 | data[i + 2];
    out.push_back(kBase64[v >> 18]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(kBase64[(v >> 6) & 63]);
    out.push_back(kBase64[v & 63]);
  }
  std::size_t rest = data.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint32_t(data[i]) << 16;
    out.push_back(kBase64[v >> 18]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    std::uint32_t v = std::uint32_t(data[i]) << 16 | std::uint32_t(data[i + 1]) << 8;
    out.push_back(kBase64[v >> 18]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(kBase64[(v >> 6) & 63]);
    out.push_back('=');
  }
}

Result<void> decode_base64(std::string_view text, Bytes& out) {
  if (text.size() % 4 != 0) return fail("Base64 length is not a multiple of 4");
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int pad = 0;
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=') {
        // Padding only at the end of the text, in the last one or two places of a quantum.
        if (i + 4 != text.size() || j < 2) return fail("misplaced Base64 padding");
        ++pad;
        v <<= 6;
        continue;
      }
      if (pad) return fail("misplaced Base64 padding");
      int d = kBase64Rev[static_cast<unsigned char>(c)];
      if (d < 0) return fail("bad Base64 character");
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(v));
  }
  return {};
}

void append_base32hex(std::span<const std::uint8_t> data, std::string& out) {
  std::uint64_t buffer = 0;
  int bits = 0;
  for (auto b : data) {
    buffer = buffer << 8 | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Hex[(buffer >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kBase32Hex[(buffer << (5 - bits)) & 31]);
}

Result<void> decode_base32hex(std::string_view text, Bytes& out) {
  std::uint64_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int d = kBase32HexRev[static_cast<unsigned char>(c)];
    if (d < 0) return fail("bad Base32hex character");
    buffer = buffer << 5 | static_cast<std::uint64_t>(d);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
    }
  }
  // Leftover bits must be zero padding of a whole quantum length (RFC 4648 §6).
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) return fail("bad Base32hex length or padding");
  return {};
}

}  // namespace mxkit::core
