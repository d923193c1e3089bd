// The IXFR journal in memory and its file: length- and checksum-framed entries.
#include "auth/journal.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file_io.hpp"

namespace mxkit::auth {

std::size_t Journal::append(ZoneDiff diff) {
  std::size_t dropped = 0;
  if (!changes_.empty() && changes_.back().to() != diff.from()) {
    dropped = changes_.size();
    clear();
  }
  if (diff.wire_size() > limits_.max_bytes) {  // larger than the whole journal: nothing to keep
    dropped += changes_.size();
    clear();
    return dropped;
  }
  bytes_ += diff.wire_size();
  changes_.push_back(std::move(diff));
  while (changes_.size() > 1 &&
         (changes_.size() > limits_.max_changes || bytes_ > limits_.max_bytes)) {
    bytes_ -= changes_.front().wire_size();
    changes_.pop_front();
    ++dropped;
  }
  return dropped;
}

std::vector<const ZoneDiff*> Journal::chain(std::uint32_t from, std::uint32_t to) const {
  std::vector<const ZoneDiff*> out;
  std::size_t i = 0;
  while (i < changes_.size() && changes_[i].from() != from) ++i;
  for (; i < changes_.size(); ++i) {
    out.push_back(&changes_[i]);
    if (changes_[i].to() == to) return out;
  }
  return {};
}

std::uint32_t crc32(std::span<const std::uint8_t> data) {
  // The reflected CRC-32 of IEEE 802.3 (as zlib's), table built once.
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (auto b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}
void put_record(std::vector<std::uint8_t>& out, const dns::Record& r) {
  auto owner = r.owner.wire();
  out.insert(out.end(), owner.begin(), owner.end());
  put16(out, r.type);
  put16(out, r.cls);
  put32(out, r.ttl);
  put16(out, static_cast<std::uint16_t>(r.rdata.size()));
  out.insert(out.end(), r.rdata.begin(), r.rdata.end());
}

// A bounds-checked reader over one payload; any overrun makes ok() false.
struct Reader {
  std::span<const std::uint8_t> data;
  std::size_t at = 0;
  bool ok = true;

  bool need(std::size_t n) {
    if (!ok || data.size() - at < n) ok = false;
    return ok;
  }
  std::uint32_t get(std::size_t octets) {
    if (!need(octets)) return 0;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < octets; ++i) v = v << 8 | data[at++];
    return v;
  }
  dns::Record record() {
    dns::Record r;
    if (!ok) return r;
    std::size_t length = dns::wire_name_length(data.subspan(at));
    if (length == 0) {
      ok = false;
      return r;
    }
    r.owner = dns::Name::from_wire(data.subspan(at, length));
    at += length;
    r.type = static_cast<std::uint16_t>(get(2));
    r.cls = static_cast<std::uint16_t>(get(2));
    r.ttl = get(4);
    std::size_t rdlength = get(2);
    if (!need(rdlength)) return r;
    r.rdata.assign(data.begin() + static_cast<std::ptrdiff_t>(at),
                   data.begin() + static_cast<std::ptrdiff_t>(at + rdlength));
    at += rdlength;
    return r;
  }
  bool records(std::vector<dns::Record>& out) {
    std::uint32_t count = get(4);
    // Each record takes at least 11 octets: a count beyond what is left is corrupt.
    if (!ok || count > (data.size() - at) / 11) return ok = false;
    out.reserve(count);
    for (std::uint32_t i = 0; i < count && ok; ++i) out.push_back(record());
    return ok;
  }
};

}  // namespace

std::vector<std::uint8_t> encode_journal_entry(const ZoneDiff& diff) {
  std::vector<std::uint8_t> payload;
  payload.reserve(diff.wire_size() + 16);
  put_record(payload, diff.old_soa);
  put_record(payload, diff.new_soa);
  put32(payload, static_cast<std::uint32_t>(diff.removed.size()));
  for (const auto& r : diff.removed) put_record(payload, r);
  put32(payload, static_cast<std::uint32_t>(diff.added.size()));
  for (const auto& r : diff.added) put_record(payload, r);
  std::vector<std::uint8_t> entry;
  entry.reserve(payload.size() + 8);
  put32(entry, static_cast<std::uint32_t>(payload.size()));
  put32(entry, crc32(payload));
  entry.insert(entry.end(), payload.begin(), payload.end());
  return entry;
}

DecodedJournal decode_journal(std::span<const std::uint8_t> data) {
  DecodedJournal out;
  if (data.empty()) return out;
  if (data.size() < kJournalMagic.size() ||
      std::string_view(reinterpret_cast<const char*>(data.data()), kJournalMagic.size()) !=
          kJournalMagic) {
    out.warning = "not a journal (bad magic); ignored";
    return out;
  }
  std::size_t at = kJournalMagic.size();
  out.valid_length = at;
  while (at < data.size()) {
    Reader head{data.subspan(at)};
    std::uint32_t length = head.get(4), checksum = head.get(4);
    if (!head.ok || data.size() - at - 8 < length) {
      out.warning = fmt::format("torn entry at offset {} (the file ends inside it)", at);
      return out;
    }
    auto payload = data.subspan(at + 8, length);
    if (crc32(payload) != checksum) {
      out.warning = fmt::format("entry at offset {} fails its checksum", at);
      return out;
    }
    Reader r{payload};
    ZoneDiff diff;
    diff.old_soa = r.record();
    diff.new_soa = r.record();
    r.records(diff.removed);
    r.records(diff.added);
    if (!r.ok || r.at != payload.size()) {
      out.warning = fmt::format("entry at offset {} is malformed", at);
      return out;
    }
    out.changes.push_back(std::move(diff));
    at += 8 + length;
    out.valid_length = at;
  }
  return out;
}

core::Result<DecodedJournal> read_journal_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return DecodedJournal{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(fmt::format("{}: cannot read the journal", path.string()));
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  auto decoded = decode_journal(data);
  if (!decoded.warning.empty() && decoded.valid_length > 0) {
    std::filesystem::resize_file(path, decoded.valid_length, ec);
    if (ec)
      return core::fail(
          fmt::format("{}: cannot cut the broken tail: {}", path.string(), ec.message()));
  }
  return decoded;
}

namespace {

// Writes `bytes` at the end of the open file `fd` and makes them durable; on failure the file is
// cut back to where it ended, so a half-written entry never follows a good one.
core::Result<void> append_durably(int fd, const std::filesystem::path& path,
                                  std::string_view bytes) {
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end >= 0 && core::write_all(fd, bytes) && ::fdatasync(fd) == 0) return {};
  const int err = errno;
  if (end >= 0 && ::ftruncate(fd, end) == 0) (void)::fdatasync(fd);
  return core::fail(
      fmt::format("{}: cannot write the journal: {}", path.string(), core::errno_text(err)));
}

std::string_view as_chars(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

// The journal is what an IXFR answers from after a restart, so it is on stable storage before
// the zone it leads to is served: file data fdatasynced, and a new file's directory entry
// fsynced (a replaced journal is renamed into place only once its contents are durable).
core::Result<void> write_journal_file(const std::filesystem::path& path, const Journal& journal) {
  auto temporary = path;
  temporary += ".tmp";
  std::string bytes(kJournalMagic);
  for (const auto& diff : journal.changes()) bytes.append(as_chars(encode_journal_entry(diff)));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return core::fail(fmt::format("{}: cannot write the journal: {}", temporary.string(),
                                  core::errno_text(errno)));
  auto written = append_durably(fd, temporary, bytes);
  ::close(fd);
  if (!written) return written;
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec)
    return core::fail(
        fmt::format("{}: cannot replace the journal: {}", path.string(), ec.message()));
  return core::fsync_dir(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

core::Result<void> append_journal_file(const std::filesystem::path& path, const ZoneDiff& diff) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return core::fail(
        fmt::format("{}: cannot write the journal: {}", path.string(), core::errno_text(errno)));
  struct stat st {};
  const bool fresh = ::fstat(fd, &st) == 0 && st.st_size == 0;
  std::string bytes = fresh ? std::string(kJournalMagic) : std::string();
  bytes.append(as_chars(encode_journal_entry(diff)));
  auto written = append_durably(fd, path, bytes);
  ::close(fd);
  if (!written) return written;
  if (fresh)
    return core::fsync_dir(path.has_parent_path() ? path.parent_path()
                                                  : std::filesystem::path("."));
  return {};
}

}  // namespace mxkit::auth
