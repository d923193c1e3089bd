// The arrival log (see arrival_log.hpp).
#include "queue/arrival_log.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include "core/file_io.hpp"
#include "core/thread_name.hpp"
#include "queue/spool.hpp"
#include "queue/spool_file.hpp"
#include "queue/spool_io.hpp"

namespace mxkit::queue {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "MXKL";
constexpr std::string_view kFreeMagic = "MXKF";
constexpr char kVersion = 1;
constexpr std::size_t kHeaderSize = 16;
constexpr std::size_t kFrameHeaderSize = 17;  // kind, length, generation, CRC
constexpr char kArrival = 'M';
constexpr char kDone = 'X';
// How long done frames wait for an arrival to ride with before they are committed alone.
constexpr auto kDoneDelay = std::chrono::milliseconds(20);
// The first segment made is this big; each one made after is twice the last, up to
// ArrivalLogOptions::segment_bytes (a server that takes little mail keeps a small log).
constexpr std::uint64_t kFirstSegmentBytes = 1u << 20;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
std::uint32_t get_u32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
  return v;
}
std::uint64_t get_u64(std::string_view s, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
  return v;
}

std::uint32_t frame_crc(std::uint64_t generation, char kind, std::string_view payload) {
  std::string head;
  put_u64(head, generation);
  head.push_back(kind);
  const std::uint32_t crc =
      spool_file::crc32c({reinterpret_cast<const std::uint8_t*>(head.data()), head.size()});
  return spool_file::crc32c(
      {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}, crc);
}

void put_frame(std::string& out, std::uint64_t generation, char kind, std::string_view payload) {
  out.push_back(kind);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u64(out, generation);
  put_u32(out, frame_crc(generation, kind, payload));
  out.append(payload);
}

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\0'; });
}

fs::path log_dir(const fs::path& spool) { return spool / "log"; }

// The size of the slot at `path` if its header says it is free.
std::optional<std::uint64_t> free_slot_size(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char magic[4] = {};
  struct stat st {};
  const bool free = ::pread(fd, magic, sizeof magic, 0) == static_cast<ssize_t>(sizeof magic) &&
                    std::string_view(magic, sizeof magic) == kFreeMagic && ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!free) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

// A slot's name is its number, 16 hex digits.
std::optional<std::uint64_t> slot_number(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name.size() != 20 || !name.ends_with(".log") ||
      !valid_queue_id(std::string_view(name).substr(0, 16)))
    return std::nullopt;
  return std::stoull(name.substr(0, 16), nullptr, 16);
}

struct SlotFile {
  fs::path path;
  std::uint64_t slot = 0;
  std::uint64_t size = 0;
};

// Every segment of the log read, and what they hold together.
struct LogContents {
  struct Live {
    SlotFile file;
    std::uint64_t generation = 0;
    std::vector<QueueId> ids;  // messages logged in it
  };
  std::vector<Live> live;         // by generation, oldest first
  std::vector<SlotFile> free;     // slots to reuse
  std::vector<SlotFile> unused;   // cut short while being made (no header yet): to delete
  std::vector<ArrivalLog::Recovered> pending;  // messages not done, oldest first
  std::unordered_set<QueueId> done;
  std::uint64_t last_generation = 0;
  std::uint64_t last_slot = 0;
  QueueId highest_id;
  std::vector<std::string> notes;
};

core::Result<LogContents> read_log(const fs::path& spool) {
  LogContents out;
  const fs::path dir = log_dir(spool);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  std::vector<std::pair<std::uint64_t, DecodedSegment>> decoded_segments;
  std::vector<SlotFile> live_files;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const auto slot = slot_number(it->path());
    if (!slot) continue;
    SlotFile file{it->path(), *slot, 0};
    out.last_slot = std::max(out.last_slot, *slot);
    // A free slot is known by its first four octets: the rest (up to 16 MiB) is not read.
    if (auto size = free_slot_size(file.path)) {
      file.size = *size;
      out.free.push_back(file);
      continue;
    }
    auto bytes = spool_io::read_file(file.path);
    if (!bytes) {
      if (bytes.error().missing) continue;  // freed and deleted meanwhile (a reader beside the server)
      return core::fail(bytes.error().message);
    }
    file.size = bytes->size();
    auto decoded = decode_log_segment(*bytes);
    if (!decoded) {
      if (all_zero(*bytes)) {  // made, never given its header: never held a message
        out.unused.push_back(file);
        continue;
      }
      return core::fail(fmt::format("{}: {}", file.path.string(), decoded.error().message));
    }
    if (decoded->free) {
      out.free.push_back(file);
      continue;
    }
    if (!decoded->damage.empty())
      out.notes.push_back(fmt::format(
          "{}: {} at offset {} (a commit cut short by a crash, never acknowledged, or damage); "
          "what follows is not read",
          file.path.string(), decoded->damage, decoded->valid_end));
    out.last_generation = std::max(out.last_generation, decoded->generation);
    decoded_segments.emplace_back(decoded->generation, std::move(*decoded));
    live_files.push_back(file);
  }
  if (ec) return core::fail(fmt::format("{}: {}", dir.string(), ec.message()));
  std::vector<std::size_t> order(decoded_segments.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return decoded_segments[a].first < decoded_segments[b].first;
  });
  for (std::size_t i : order)
    for (auto& id : decoded_segments[i].second.done) out.done.insert(id);
  for (std::size_t i : order) {
    auto& [generation, segment] = decoded_segments[i];
    LogContents::Live live{live_files[i], generation, {}};
    for (auto& arrival : segment.arrivals) {
      live.ids.push_back(arrival.message.id);
      out.highest_id = std::max(out.highest_id, arrival.message.id);
      if (out.done.contains(arrival.message.id)) continue;
      out.pending.push_back({std::move(arrival.message),
                             std::make_shared<const std::string>(std::move(arrival.content))});
    }
    out.live.push_back(std::move(live));
  }
  return out;
}

}  // namespace

std::string encode_log_header(std::uint64_t generation) {
  std::string out(kMagic);
  out.push_back(kVersion);
  out.append(3, '\0');
  put_u64(out, generation);
  return out;
}

std::string encode_log_arrival(std::uint64_t generation, const Message& message,
                               std::string_view content) {
  std::string out;
  put_frame(out, generation, kArrival, spool_file::encode_new(message, content));
  return out;
}

std::string encode_log_done(std::uint64_t generation, const QueueId& id) {
  std::string out;
  put_frame(out, generation, kDone, id);
  return out;
}

core::Result<DecodedSegment> decode_log_segment(std::string_view bytes) {
  DecodedSegment out;
  if (bytes.size() >= 4 && bytes.substr(0, 4) == kFreeMagic) {
    out.free = true;
    return out;
  }
  if (bytes.size() < kHeaderSize || bytes.substr(0, 4) != kMagic)
    return core::fail("not an arrival log segment (no MXKL header)");
  if (bytes[4] != kVersion)
    return core::fail(fmt::format("arrival log version {} is not known",
                                  static_cast<int>(static_cast<std::uint8_t>(bytes[4]))));
  out.generation = get_u64(bytes, 8);
  std::size_t at = kHeaderSize;
  out.valid_end = at;
  while (at < bytes.size()) {
    // Zeros where a frame would start: the end of what was written (a slot is zeros when made).
    if (bytes[at] == '\0') break;
    if (bytes.size() - at < kFrameHeaderSize) {
      out.damage = "a frame header cut short";
      break;
    }
    const char kind = bytes[at];
    const std::uint32_t length = get_u32(bytes, at + 1);
    if (kind != kArrival && kind != kDone) {
      out.damage = fmt::format("a frame of unknown kind 0x{:02X}",
                               static_cast<unsigned>(static_cast<std::uint8_t>(kind)));
      break;
    }
    // A frame of another generation is left from the slot's earlier use: the end, as zeros are.
    if (get_u64(bytes, at + 5) != out.generation) break;
    const std::uint32_t crc = get_u32(bytes, at + 13);
    if (length > spool_file::kMaxRecord || bytes.size() - at - kFrameHeaderSize < length) {
      out.damage = "a frame longer than the segment";
      break;
    }
    const std::string_view payload = bytes.substr(at + kFrameHeaderSize, length);
    if (frame_crc(out.generation, kind, payload) != crc) {
      out.damage = "a frame whose CRC does not match";
      break;
    }
    if (kind == kDone) {
      if (!valid_queue_id(payload)) {
        out.damage = "a done frame without a queue id";
        break;
      }
      out.done.emplace_back(payload);
    } else {
      auto decoded = spool_file::decode(payload);
      if (!decoded) {
        out.damage = "a message frame that does not decode: " + decoded.error().reason;
        break;
      }
      out.arrivals.push_back(
          {std::move(decoded->message),
           std::string(payload.substr(decoded->content_offset, decoded->content_size))});
    }
    at += kFrameHeaderSize + length;
    out.valid_end = at;
  }
  return out;
}

struct ArrivalLog::Impl {
  struct Segment {
    SlotFile file;
    std::size_t live = 0;  // messages in it not yet done (their done frame on disk)
  };
  struct Append {
    std::string payload;  // the spool-file image
    QueueId id;
    std::uint64_t bytes = 0;  // the content's size (the backlog's bytes)
    std::function<void(core::Result<void>)> done;
  };
  struct Logged {
    std::uint64_t generation = 0;  // its segment
    std::uint64_t bytes = 0;
  };

  fs::path dir;
  ArrivalLogOptions options;
  int dir_fd = -1;

  std::vector<Recovered> recovered;
  std::vector<std::string> notes;
  QueueId highest_id;

  mutable std::mutex mutex;
  std::condition_variable work_cv;
  std::deque<Append> appends;
  std::vector<QueueId> marks;
  bool stopping = false;
  Backlog backlog;  // logged or being logged, not done

  // Writer thread only:
  std::map<std::uint64_t, Segment> segments;   // by generation, oldest first; the last is written
  std::unordered_map<QueueId, Logged> logged;  // not done yet
  std::vector<SlotFile> free_slots;
  std::uint64_t next_generation = 1;
  std::uint64_t next_slot = 1;
  std::uint64_t next_size = kFirstSegmentBytes;
  int fd = -1;  // the segment being written, -1 before the first commit (or after a failure)
  std::uint64_t generation = 0;
  std::uint64_t offset = 0;
  std::uint64_t capacity = 0;
  std::thread writer;

  void write_loop();
  core::Result<void> commit(const std::vector<QueueId>& done_ids, const std::vector<Append>& batch);
  core::Result<void> start_segment(std::uint64_t needed);
  core::Result<SlotFile> make_slot(std::uint64_t size);
  core::Result<void> free_segment(const SlotFile& file);
  void retire();
};

// A new slot: its blocks allocated (posix_fallocate: a full disk shows here, not in a commit)
// and the directory fsynced, so the name survives a crash. The first use of a slot turns its
// blocks from unwritten to written as commits go (an inode write with each fdatasync); from its
// second use on they are plain data blocks, overwritten in place.
core::Result<SlotFile> ArrivalLog::Impl::make_slot(std::uint64_t size) {
  SlotFile file{dir / fmt::format("{:016X}.log", next_slot), next_slot, size};
  ++next_slot;
  const int slot_fd = ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (slot_fd < 0)
    return core::fail(
        fmt::format("cannot create {}: {}", file.path.string(), core::errno_text(errno)));
  const int allocated = ::posix_fallocate(slot_fd, 0, static_cast<off_t>(size));
  const bool ok = allocated == 0 && ::fdatasync(slot_fd) == 0;
  const std::string why = ok ? std::string() : core::errno_text(allocated != 0 ? allocated : errno);
  ::close(slot_fd);
  if (!ok) {
    ::unlink(file.path.c_str());
    return core::fail(fmt::format("cannot allocate {} bytes for {}: {}", size, file.path.string(), why));
  }
  if (auto synced = core::fsync_dir(dir_fd, dir); !synced) return tl::unexpected(synced.error());
  return file;
}

core::Result<void> ArrivalLog::Impl::start_segment(std::uint64_t needed) {
  const std::uint64_t wanted = needed + kHeaderSize;
  std::optional<SlotFile> slot;
  for (auto it = free_slots.begin(); it != free_slots.end(); ++it)
    if (it->size >= wanted) {
      slot = *it;
      free_slots.erase(it);
      break;
    }
  if (!slot) {
    auto made = make_slot(std::max(next_size, wanted));
    if (!made) return tl::unexpected(made.error());
    slot = *made;
    next_size = std::min(next_size * 2, options.segment_bytes);
  }
  const int new_fd = ::open(slot->path.c_str(), O_RDWR | O_CLOEXEC);
  if (new_fd < 0) {
    const std::string why = core::errno_text(errno);
    free_slots.push_back(*slot);
    return core::fail(fmt::format("cannot open {}: {}", slot->path.string(), why));
  }
  // The new header goes to disk with the first commit's frames (one fdatasync). Until it does,
  // the slot reads as free (or as its old, finished use): nothing acknowledged is in it.
  const std::uint64_t new_generation = next_generation++;
  const std::string head = encode_log_header(new_generation);
  if (::pwrite(new_fd, head.data(), head.size(), 0) != static_cast<ssize_t>(head.size())) {
    const std::string why = core::errno_text(errno);
    ::close(new_fd);
    free_slots.push_back(*slot);
    return core::fail(fmt::format("cannot write {}: {}", slot->path.string(), why));
  }
  if (fd >= 0) ::close(fd);
  fd = new_fd;
  generation = new_generation;
  offset = kHeaderSize;
  capacity = slot->size;
  segments[generation] = Segment{*slot, 0};
  return {};
}

core::Result<void> ArrivalLog::Impl::commit(const std::vector<QueueId>& done_ids,
                                            const std::vector<Append>& batch) {
  std::uint64_t needed = 1;  // the terminator
  for (const auto& id : done_ids) needed += kFrameHeaderSize + id.size();
  for (const auto& append : batch) needed += kFrameHeaderSize + append.payload.size();
  if (fd < 0 || capacity - offset < needed)
    if (auto started = start_segment(needed); !started) return started;
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(needed));
  for (const auto& id : done_ids) put_frame(bytes, generation, kDone, id);
  for (const auto& append : batch) put_frame(bytes, generation, kArrival, append.payload);
  // A zero octet after the frames marks the end of what is committed (the next commit writes
  // over it): in a reused slot what follows is an earlier use's, which must not read as a
  // commit cut short.
  bytes.push_back('\0');
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + written, bytes.size() - written,
                               static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = core::errno_text(n < 0 ? errno : EIO);
      // A new segment next time keeps a failing one from holding the log up; what this one
      // holds stays until it is done.
      ::close(fd);
      fd = -1;
      return core::fail(fmt::format("cannot write the arrival log: {}", why));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    const std::string why = core::errno_text(errno);
    ::close(fd);
    fd = -1;
    return core::fail(fmt::format("cannot fdatasync the arrival log: {}", why));
  }
  offset += bytes.size() - 1;
  return {};
}

core::Result<void> ArrivalLog::Impl::free_segment(const SlotFile& file) {
  const int slot_fd = ::open(file.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (slot_fd < 0)
    return core::fail(fmt::format("cannot open {}: {}", file.path.string(), core::errno_text(errno)));
  const bool ok = ::pwrite(slot_fd, kFreeMagic.data(), kFreeMagic.size(), 0) ==
                      static_cast<ssize_t>(kFreeMagic.size()) &&
                  ::fdatasync(slot_fd) == 0;
  const std::string why = ok ? std::string() : core::errno_text(errno);
  ::close(slot_fd);
  if (!ok) return core::fail(fmt::format("cannot free {}: {}", file.path.string(), why));
  return {};
}

// Frees the oldest segments whose messages are all done, never the one being written. Each is
// marked free on disk before the next is looked at: an older segment never outlives, after a
// crash, a newer one that may hold its done frames.
void ArrivalLog::Impl::retire() {
  while (segments.size() > 1) {
    auto oldest = segments.begin();
    if (oldest->second.live != 0) break;
    if (auto freed = free_segment(oldest->second.file); !freed) break;  // tried again later
    if (free_slots.size() < options.spare_segments)
      free_slots.push_back(oldest->second.file);
    else
      ::unlink(oldest->second.file.path.c_str());
    segments.erase(oldest);
  }
}

void ArrivalLog::Impl::write_loop() {
  for (;;) {
    std::vector<Append> batch;
    std::vector<QueueId> done_ids;
    {
      std::unique_lock lock(mutex);
      work_cv.wait(lock, [this] { return stopping || !appends.empty() || !marks.empty(); });
      if (appends.empty() && !marks.empty() && !stopping)
        work_cv.wait_for(lock, kDoneDelay, [this] { return stopping || !appends.empty(); });
      if (appends.empty() && marks.empty()) return;  // stopping, nothing left
      batch.assign(std::make_move_iterator(appends.begin()), std::make_move_iterator(appends.end()));
      appends.clear();
      done_ids.swap(marks);
    }
    auto committed = commit(done_ids, batch);
    if (!committed) {
      {
        std::lock_guard lock(mutex);
        for (const auto& append : batch) backlog.forget(append.bytes);
        // Done frames are written again with the next commit.
        marks.insert(marks.end(), done_ids.begin(), done_ids.end());
      }
      for (auto& append : batch) append.done(committed);
      continue;
    }
    for (const auto& append : batch) {
      logged[append.id] = {generation, append.bytes};
      ++segments[generation].live;
    }
    Backlog ended;
    for (const auto& id : done_ids) {
      if (auto it = logged.find(id); it != logged.end()) {
        if (auto seg = segments.find(it->second.generation);
            seg != segments.end() && seg->second.live > 0)
          --seg->second.live;
        ended.add(it->second.bytes);
        logged.erase(it);
      }
    }
    {
      std::lock_guard lock(mutex);
      backlog.forget(ended);
    }
    for (auto& append : batch) append.done({});
    retire();
  }
}

ArrivalLog::ArrivalLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ArrivalLog::~ArrivalLog() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->work_cv.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
  if (impl_->fd >= 0) ::close(impl_->fd);
  if (impl_->dir_fd >= 0) ::close(impl_->dir_fd);
}

core::Result<std::unique_ptr<ArrivalLog>> ArrivalLog::open(const fs::path& spool,
                                                           ArrivalLogOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = log_dir(spool);
  impl->options = options;
  impl->next_size = std::min<std::uint64_t>(kFirstSegmentBytes, options.segment_bytes);
  std::error_code ec;
  fs::create_directories(impl->dir, ec);
  if (ec) return core::fail(fmt::format("{}: {}", impl->dir.string(), ec.message()));
  impl->dir_fd = ::open(impl->dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (impl->dir_fd < 0)
    return core::fail(fmt::format("{}: {}", impl->dir.string(), core::errno_text(errno)));
  auto contents = read_log(spool);
  if (!contents) {
    ::close(impl->dir_fd);
    return core::fail(contents.error().message);
  }
  for (const auto& file : contents->unused) ::unlink(file.path.c_str());
  impl->notes = std::move(contents->notes);
  impl->highest_id = contents->highest_id;
  impl->next_generation = contents->last_generation + 1;
  impl->next_slot = contents->last_slot + 1;
  impl->free_slots = std::move(contents->free);
  // Segments keep their place while a message in them is not done; the others are freed now,
  // oldest first. New messages always go to another segment, never after what a crash tore.
  std::unordered_map<QueueId, std::uint64_t> pending_ids;  // and their contents' sizes
  for (const auto& r : contents->pending) {
    pending_ids.emplace(r.message.id, r.content->size());
    impl->backlog.add(r.content->size());
  }
  bool blocked = false;  // an older segment still holds a message: the newer ones stay too
  for (auto& live : contents->live) {
    std::size_t count = 0;
    for (const auto& id : live.ids) count += pending_ids.contains(id) ? 1 : 0;
    if (count == 0 && !blocked) {
      if (auto freed = impl->free_segment(live.file); !freed) {
        ::close(impl->dir_fd);
        return tl::unexpected(freed.error());
      }
      impl->free_slots.push_back(live.file);
      continue;
    }
    blocked = true;
    impl->segments[live.generation] = Impl::Segment{live.file, count};
    for (const auto& id : live.ids)
      if (auto it = pending_ids.find(id); it != pending_ids.end())
        impl->logged[id] = {live.generation, it->second};
  }
  // More free slots than are kept for reuse: the biggest stay.
  std::sort(impl->free_slots.begin(), impl->free_slots.end(),
            [](const SlotFile& a, const SlotFile& b) { return a.size > b.size; });
  while (impl->free_slots.size() > options.spare_segments) {
    ::unlink(impl->free_slots.back().path.c_str());
    impl->free_slots.pop_back();
  }
  impl->recovered = std::move(contents->pending);
  impl->writer = std::thread([p = impl.get()] {
    core::name_this_thread("mx-arrival-log");
    p->write_loop();
  });
  return std::unique_ptr<ArrivalLog>(new ArrivalLog(std::move(impl)));
}

std::vector<ArrivalLog::Recovered> ArrivalLog::take_recovered() {
  std::lock_guard lock(impl_->mutex);
  return std::exchange(impl_->recovered, {});
}

std::vector<std::string> ArrivalLog::notes() const { return impl_->notes; }

QueueId ArrivalLog::highest_id() const { return impl_->highest_id; }

void ArrivalLog::append(const Message& message, std::string_view content,
                        std::function<void(core::Result<void>)> done) {
  Impl::Append append{spool_file::encode_new(message, content), message.id, content.size(),
                      std::move(done)};
  {
    std::lock_guard lock(impl_->mutex);
    impl_->appends.push_back(std::move(append));
    impl_->backlog.add(content.size());
  }
  impl_->work_cv.notify_one();
}

void ArrivalLog::mark_done(const QueueId& id) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->marks.push_back(id);
  }
  impl_->work_cv.notify_one();
}

ArrivalLog::Backlog ArrivalLog::backlog() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->backlog;
}

core::Result<std::vector<ArrivalLog::Recovered>> read_arrival_log(const fs::path& spool) {
  auto contents = read_log(spool);
  if (!contents) return core::fail(contents.error().message);
  return std::move(contents->pending);
}

}  // namespace mxkit::queue
