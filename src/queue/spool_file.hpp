// The on-disk format of one spool file (internal to src/queue; docs/architecture.md "Queue").
//
//   file    = magic "MXKQ" version(1) 3 zero octets, then records
//   record  = type(1) length(4, LE) crc32c(4, LE, over type and payload) payload(length)
//   types   = 'E' envelope, 'D' content, 'K' commit (empty), then any number of 'S' state
//
// The first write of a message is E D K in one write(); the file counts only once K is there
// with every CRC right (a file cut before K never got its 250 and is dropped). Each later
// state change appends one S record, a whole snapshot of the mutable fields, so the last S
// whose CRC holds is the state; a torn tail after it is ignored (and cut off at recovery).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "queue/message.hpp"

namespace mxkit::queue::spool_file {

inline constexpr std::size_t kFileHeaderSize = 8;
inline constexpr std::size_t kRecordHeaderSize = 9;
// A record longer than this is damage, not data (the content record is the only big one).
inline constexpr std::uint32_t kMaxRecord = 1u << 30;

std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0);

// The first write: file header, envelope, content and commit records.
std::string encode_new(const Message& message, std::string_view content);
// One state record (S) with the message's mutable fields.
std::string encode_state(const Message& message);

struct Decoded {
  Message message;
  std::size_t content_offset = 0;  // where the content starts in the file
  std::size_t content_size = 0;
  std::size_t valid_end = 0;  // end of the last good record (a torn tail starts here)
  bool torn_tail = false;     // bytes after valid_end that are not a good record
};

enum class DecodeError { Incomplete, Damaged };
struct DecodeFailure {
  DecodeError kind;
  std::string reason;
};

// Decodes a whole file. Incomplete: the commit record is missing or cut (the write was
// interrupted; no 250 was given). Damaged: not a spool file, or a committed part is wrong.
tl::expected<Decoded, DecodeFailure> decode(std::string_view file);

}  // namespace mxkit::queue::spool_file
