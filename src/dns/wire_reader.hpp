// A non-owning, bounds-checked reader over DNS wire data with a sticky error (Knot's wire_ctx).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "dns/name.hpp"

namespace mxkit::dns {

// Reads big-endian integers, octet runs and compressed names from a message. A read that would
// pass the end records an error, moves to the end and yields zeros, and every later read yields
// zeros too; so a caller reads a whole record and checks ok() once. The first error is kept,
// because the first thing that went wrong is the one worth reporting.
class WireReader {
 public:
  explicit WireReader(std::span<const std::uint8_t> message, std::size_t position = 0)
      : message_(message), pos_(position <= message.size() ? position : message.size()) {}

  // `what` names the field for the error message: "<what> runs past the end of the message".
  std::uint8_t u8(std::string_view what) {
    if (!need(1, what)) return 0;
    return message_[pos_++];
  }
  std::uint16_t u16(std::string_view what) {
    if (!need(2, what)) return 0;
    auto v = static_cast<std::uint16_t>(message_[pos_] << 8 | message_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32(std::string_view what) {
    if (!need(4, what)) return 0;
    std::uint32_t v = std::uint32_t(message_[pos_]) << 24 |
                      std::uint32_t(message_[pos_ + 1]) << 16 |
                      std::uint32_t(message_[pos_ + 2]) << 8 | message_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  std::span<const std::uint8_t> bytes(std::size_t count, std::string_view what) {
    if (!need(count, what)) return {};
    auto s = message_.subspan(pos_, count);
    pos_ += count;
    return s;
  }
  void skip(std::size_t count, std::string_view what) {
    if (need(count, what)) pos_ += count;
  }

  // Reads a possibly compressed name (RFC 1035 §4.1.4) into `out` (kMaxNameLength octets) and
  // returns its uncompressed length, or 0 after an error. Pointers may reach anywhere before the
  // name in the whole message, which is why the reader holds the whole message, not a slice.
  std::size_t name(std::uint8_t* out) {
    if (failed_) return 0;
    std::size_t length = 0;
    auto used = read_message_name(message_, pos_, out, length);
    if (!used) {
      fail(used.error().message);
      return 0;
    }
    pos_ += *used;
    return length;
  }

  bool ok() const { return !failed_; }
  const std::string& error() const { return error_; }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return message_.size() - pos_; }
  std::span<const std::uint8_t> message() const { return message_; }

  void fail(std::string why) {
    if (failed_) return;
    failed_ = true;
    error_ = std::move(why);
    pos_ = message_.size();
  }

 private:
  bool need(std::size_t count, std::string_view what) {
    if (!failed_ && count <= message_.size() - pos_) [[likely]]
      return true;
    return ran_out(what);
  }
  // Kept out of line so that need() stays small enough to inline into every read.
  [[gnu::cold, gnu::noinline]] bool ran_out(std::string_view what) {
    if (!failed_) {
      std::string why(what);
      why += " runs past the end of the message";
      fail(std::move(why));
    }
    return false;
  }

  std::span<const std::uint8_t> message_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  std::string error_;  // built only on failure: the good path never allocates
};

}  // namespace mxkit::dns
