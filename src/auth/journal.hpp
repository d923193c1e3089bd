// The IXFR journal: a bounded list of a zone's recent changes, kept in memory and in a file
// that survives a restart and a torn write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "auth/ixfr.hpp"
#include "core/result.hpp"

namespace mxkit::auth {

struct JournalLimits {
  std::size_t max_changes = 100;  // the oldest change goes first when over either
  std::size_t max_bytes = std::size_t{16} << 20;
};

// Consecutive changes: each one's `from()` is the previous one's `to()`.
class Journal {
 public:
  explicit Journal(JournalLimits limits = {}) : limits_(limits) {}

  // Appends a change. One that does not follow the last (a serial went back, or the zone was
  // replaced behind our back) starts the journal again from it. Returns how many old changes
  // were dropped to stay within the limits (or by the restart). A change larger than the whole
  // size limit empties the journal and is not kept: clients older than it get the whole zone.
  std::size_t append(ZoneDiff diff);
  // The changes leading from `from` to `to`, oldest first; empty when the journal cannot
  // bridge that gap (too old, unknown serial, trimmed).
  std::vector<const ZoneDiff*> chain(std::uint32_t from, std::uint32_t to) const;

  const std::deque<ZoneDiff>& changes() const { return changes_; }
  bool empty() const { return changes_.empty(); }
  std::size_t bytes() const { return bytes_; }
  void clear() {
    changes_.clear();
    bytes_ = 0;
  }

 private:
  JournalLimits limits_;
  std::deque<ZoneDiff> changes_;
  std::size_t bytes_ = 0;
};

// The file format, one entry per change after an 8-octet magic "MXKJNL1\n":
//   length (4 octets, big-endian) | CRC-32 of the payload (4) | payload (length octets)
// and the payload: old SOA, new SOA, count of removed (4), records, count of added (4),
// records; each record owner (wire) | type (2) | class (2) | TTL (4) | rdlength (2) | rdata.
inline constexpr std::string_view kJournalMagic = "MXKJNL1\n";
std::uint32_t crc32(std::span<const std::uint8_t> data);
std::vector<std::uint8_t> encode_journal_entry(const ZoneDiff& diff);

struct DecodedJournal {
  std::vector<ZoneDiff> changes;
  std::size_t valid_length = 0;  // octets of whole, checked entries (with the magic)
  std::string warning;           // why the tail after valid_length was cut, or empty
};
// Reads a journal file's contents; a torn or corrupt entry ends the journal there.
DecodedJournal decode_journal(std::span<const std::uint8_t> data);

// Reads the journal file (missing: empty). A broken tail is cut from the file, with `warning`
// set to say so.
core::Result<DecodedJournal> read_journal_file(const std::filesystem::path& path);
// Writes the whole journal to `path` atomically (a temporary file renamed over it).
core::Result<void> write_journal_file(const std::filesystem::path& path, const Journal& journal);
// Appends one entry to the file (creating it with the magic when missing).
core::Result<void> append_journal_file(const std::filesystem::path& path, const ZoneDiff& diff);

}  // namespace mxkit::auth
