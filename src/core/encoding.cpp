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
  Base64Decoder decoder(out);
  if (auto err = decoder.feed(text); !err.empty()) return fail(std::string(err));
  if (auto err = decoder.finish(); !err.empty()) return fail(std::string(err));
  return {};
}

std::string_view Base64Decoder::feed(std::string_view text) {
  for (char c : text) {
    ++count_;
    if (c == '=') {
      // Padding fills only the last one or two places of the final quantum.
      if (in_quantum_ < 2) return "misplaced Base64 padding";
      ++padding_;
      quantum_ <<= 6;
    } else {
      if (padding_ > 0) return "Base64 data after padding";
      int d = kBase64Rev[static_cast<unsigned char>(c)];
      if (d < 0) return "bad Base64 character";
      quantum_ = quantum_ << 6 | static_cast<std::uint32_t>(d);
    }
    if (++in_quantum_ < 4) continue;
    out_.push_back(static_cast<std::uint8_t>(quantum_ >> 16));
    if (padding_ < 2) out_.push_back(static_cast<std::uint8_t>(quantum_ >> 8));
    if (padding_ < 1) out_.push_back(static_cast<std::uint8_t>(quantum_));
    in_quantum_ = 0;
    quantum_ = 0;
    // Padding ends the text: a later character is refused above.
    if (padding_ > 0) padding_ = 3;
  }
  return {};
}

std::string_view Base64Decoder::finish() const {
  if (in_quantum_ != 0) return "Base64 length is not a multiple of 4";
  return {};
}

bool HexDecoder::feed(std::string_view text) {
  for (char c : text) {
    int v = hex_value(c);
    if (v < 0) return false;
    ++digits_;
    if (pending_) {
      out_.push_back(static_cast<std::uint8_t>(high_ << 4 | v));
      pending_ = false;
    } else {
      high_ = static_cast<std::uint8_t>(v);
      pending_ = true;
    }
  }
  return true;
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
  // RFC 4648 §6: padding completes the last 8-character group; the number of data characters
  // in that group must be one that ends on an octet boundary (2, 4, 5 or 7).
  std::size_t data = text.size();
  while (data > 0 && text[data - 1] == '=') --data;
  const std::size_t padding = text.size() - data;
  const std::size_t tail = data % 8;
  if (tail != 0 && tail != 2 && tail != 4 && tail != 5 && tail != 7)
    return fail("bad Base32hex length");
  if (padding != 0 && (tail == 0 || text.size() % 8 != 0 || padding != 8 - tail))
    return fail("bad Base32hex padding");
  std::uint64_t buffer = 0;
  int bits = 0;
  for (char c : text.substr(0, data)) {
    int d = kBase32HexRev[static_cast<unsigned char>(c)];
    if (d < 0) return fail("bad Base32hex character");
    buffer = buffer << 5 | static_cast<std::uint64_t>(d);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
    }
  }
  // RFC 4648 §3.5: bits past the last octet must be zero, or two texts would mean one value.
  if ((buffer & ((1u << bits) - 1)) != 0) return fail("Base32hex has non-zero trailing bits");
  return {};
}

}  // namespace mxkit::core
