// The arrival log (see arrival_log.hpp).
#include "queue/arrival_log.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
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
constexpr char kVersion = 1;
constexpr std::size_t kHeaderSize = 8;
constexpr std::size_t kFrameHeaderSize = 9;
constexpr char kArrival = 'M';
constexpr char kDone = 'X';
// How long done frames wait for an arrival to ride with before they are committed alone.
constexpr auto kDoneDelay = std::chrono::milliseconds(20);

std::string header() {
  std::string out(kMagic);
  out.push_back(kVersion);
  out.append(3, '\0');
  return out;
}

std::uint32_t frame_crc(char kind, std::string_view payload) {
  const auto k = static_cast<std::uint8_t>(kind);
  const std::uint32_t crc = spool_file::crc32c({&k, 1});
  return spool_file::crc32c(
      {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}, crc);
}

std::string frame(char kind, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  out.push_back(kind);
  auto put_u32 = [&out](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  put_u32(static_cast<std::uint32_t>(payload.size()));
  put_u32(frame_crc(kind, payload));
  out.append(payload);
  return out;
}

std::uint32_t get_u32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
  return v;
}

fs::path log_dir(const fs::path& spool) { return spool / "log"; }

// Segment names are their sequence number, 16 hex digits, so they sort in writing order.
std::vector<std::pair<std::uint64_t, fs::path>> list_segments(const fs::path& dir,
                                                             std::string& error) {
  std::vector<std::pair<std::uint64_t, fs::path>> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 20 || !name.ends_with(".log") ||
        !valid_queue_id(std::string_view(name).substr(0, 16)))
      continue;
    out.emplace_back(std::stoull(name.substr(0, 16), nullptr, 16), it->path());
  }
  if (ec) error = fmt::format("{}: {}", dir.string(), ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Every segment read in order: arrivals not done (oldest first), and per segment the ids it
// holds, for the writer's bookkeeping.
struct LogContents {
  std::vector<ArrivalLog::Recovered> live;
  std::vector<std::pair<fs::path, std::vector<QueueId>>> segments;  // ids logged in each
  std::uint64_t last_sequence = 0;
  QueueId highest_id;
  std::vector<std::string> notes;
};

core::Result<LogContents> read_log(const fs::path& spool) {
  LogContents out;
  const fs::path dir = log_dir(spool);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  std::string error;
  const auto segments = list_segments(dir, error);
  if (!error.empty()) return core::fail(error);
  std::vector<DecodedSegment::Arrival> arrivals;
  std::vector<std::size_t> segment_of;
  std::unordered_map<QueueId, bool> done;
  for (const auto& [sequence, path] : segments) {
    out.last_sequence = std::max(out.last_sequence, sequence);
    auto bytes = spool_io::read_file(path);
    if (!bytes) {
      if (bytes.error().missing) continue;  // deleted meanwhile (a reader beside the server)
      return core::fail(bytes.error().message);
    }
    auto decoded = decode_log_segment(*bytes);
    if (!decoded) return core::fail(fmt::format("{}: {}", path.string(), decoded.error().message));
    if (!decoded->damage.empty())
      out.notes.push_back(fmt::format("{}: {} at offset {}; what follows is not read",
                                      path.string(), decoded->damage, decoded->valid_end));
    std::vector<QueueId> ids;
    for (auto& arrival : decoded->arrivals) {
      ids.push_back(arrival.message.id);
      out.highest_id = std::max(out.highest_id, arrival.message.id);
      segment_of.push_back(out.segments.size());
      arrivals.push_back(std::move(arrival));
    }
    for (auto& id : decoded->done) done[id] = true;
    out.segments.emplace_back(path, std::move(ids));
  }
  for (auto& arrival : arrivals) {
    if (done.contains(arrival.message.id)) continue;
    out.live.push_back({std::move(arrival.message),
                        std::make_shared<const std::string>(std::move(arrival.content))});
  }
  return out;
}

}  // namespace

std::string encode_log_arrival(const Message& message, std::string_view content) {
  return frame(kArrival, spool_file::encode_new(message, content));
}

std::string encode_log_done(const QueueId& id) { return frame(kDone, id); }

core::Result<DecodedSegment> decode_log_segment(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes.substr(0, 4) != kMagic)
    return core::fail("not an arrival log segment (no MXKL header)");
  if (bytes[4] != kVersion)
    return core::fail(fmt::format("arrival log version {} is not known",
                                  static_cast<int>(static_cast<std::uint8_t>(bytes[4]))));
  DecodedSegment out;
  std::size_t at = kHeaderSize;
  out.valid_end = at;
  while (at < bytes.size() && bytes[at] != '\0') {
    if (bytes.size() - at < kFrameHeaderSize) {
      out.damage = "a frame header cut short";
      break;
    }
    const char kind = bytes[at];
    const std::uint32_t length = get_u32(bytes, at + 1);
    const std::uint32_t crc = get_u32(bytes, at + 5);
    if (kind != kArrival && kind != kDone) {
      out.damage = fmt::format("a frame of unknown kind 0x{:02X}",
                               static_cast<unsigned>(static_cast<std::uint8_t>(kind)));
      break;
    }
    if (length > spool_file::kMaxRecord || bytes.size() - at - kFrameHeaderSize < length) {
      out.damage = "a frame longer than the segment";
      break;
    }
    const std::string_view payload = bytes.substr(at + kFrameHeaderSize, length);
    if (frame_crc(kind, payload) != crc) {
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
    fs::path path;
    std::size_t live = 0;  // messages in it not yet done (their done frame on disk)
  };
  struct Append {
    std::string frame;
    QueueId id;
    std::function<void(core::Result<void>)> done;
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
  std::size_t pending_count = 0;  // logged or being logged, not done

  // Writer thread only:
  std::map<std::uint64_t, Segment> segments;  // by sequence, oldest first
  std::unordered_map<QueueId, std::uint64_t> segment_of;
  std::uint64_t next_sequence = 1;
  int fd = -1;  // the segment being written (the last in `segments`), -1 before the first
  std::uint64_t offset = 0;
  std::uint64_t capacity = 0;
  std::thread writer;

  void write_loop();
  core::Result<void> commit(std::string_view bytes);
  core::Result<void> start_segment(std::uint64_t needed);
  void retire();
};

core::Result<void> ArrivalLog::Impl::start_segment(std::uint64_t needed) {
  const std::uint64_t sequence = next_sequence++;
  const fs::path path = dir / fmt::format("{:016X}.log", sequence);
  const std::uint64_t size = std::max<std::uint64_t>(options.segment_bytes, needed + kHeaderSize);
  const int new_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (new_fd < 0)
    return core::fail(fmt::format("cannot create {}: {}", path.string(), core::errno_text(errno)));
  // The blocks are allocated now, so a commit writes only data (and the extent it turns from
  // unwritten to written), never allocates; a full disk shows here, not in a commit.
  const int allocated = ::posix_fallocate(new_fd, 0, static_cast<off_t>(size));
  const std::string head = header();
  if (allocated != 0 || !core::write_all(new_fd, head) || ::fdatasync(new_fd) != 0) {
    const std::string why = core::errno_text(allocated != 0 ? allocated : errno);
    ::close(new_fd);
    ::unlink(path.c_str());
    return core::fail(fmt::format("cannot allocate {} bytes for {}: {}", size, path.string(), why));
  }
  if (auto synced = core::fsync_dir(dir_fd, dir); !synced) {
    ::close(new_fd);
    ::unlink(path.c_str());
    return synced;
  }
  if (fd >= 0) ::close(fd);
  fd = new_fd;
  offset = kHeaderSize;
  capacity = size;
  segments[sequence] = Segment{path, 0};
  return {};
}

core::Result<void> ArrivalLog::Impl::commit(std::string_view bytes) {
  if (fd < 0 || capacity - offset < bytes.size())
    if (auto started = start_segment(bytes.size()); !started) return started;
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + written, bytes.size() - written,
                               static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = core::errno_text(n < 0 ? errno : EIO);
      // What was written is overwritten by the next commit (offset unchanged); a new segment
      // keeps a failing one from holding the log up.
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
  offset += bytes.size();
  return {};
}

// Deletes the oldest segments whose messages are all done, never one being written.
void ArrivalLog::Impl::retire() {
  bool removed = false;
  while (segments.size() > 1) {
    auto oldest = segments.begin();
    if (oldest->second.live != 0) break;
    ::unlink(oldest->second.path.c_str());
    segments.erase(oldest);
    removed = true;
  }
  // In order on disk too: an older segment must not come back after a crash once a newer one,
  // which may hold its done frames, is gone.
  if (removed) (void)core::fsync_dir(dir_fd, dir);
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
    std::string bytes;
    for (const auto& id : done_ids) bytes += encode_log_done(id);
    for (const auto& append : batch) bytes += append.frame;
    auto committed = commit(bytes);
    if (!committed) {
      {
        std::lock_guard lock(mutex);
        pending_count -= batch.size();
        // Done frames are written again with the next commit.
        marks.insert(marks.end(), done_ids.begin(), done_ids.end());
      }
      for (auto& append : batch) append.done(committed);
      continue;
    }
    const std::uint64_t current = segments.rbegin()->first;
    for (const auto& append : batch) {
      segment_of[append.id] = current;
      ++segments[current].live;
    }
    std::size_t ended = 0;
    for (const auto& id : done_ids) {
      if (auto it = segment_of.find(id); it != segment_of.end()) {
        if (auto seg = segments.find(it->second); seg != segments.end() && seg->second.live > 0)
          --seg->second.live;
        segment_of.erase(it);
        ++ended;
      }
    }
    {
      std::lock_guard lock(mutex);
      pending_count -= ended;
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
  impl->notes = std::move(contents->notes);
  impl->highest_id = contents->highest_id;
  impl->next_sequence = contents->last_sequence + 1;
  std::unordered_map<QueueId, bool> live_ids;
  for (const auto& r : contents->live) live_ids[r.message.id] = true;
  // Segments keep their place while a message in them is not done; the rest go now. New
  // messages always go to a new segment, never after what a crash may have torn.
  bool removed = false;
  std::uint64_t sequence = 0;
  for (auto& [path, ids] : contents->segments) {
    std::size_t live = 0;
    for (const auto& id : ids) live += live_ids.contains(id) ? 1 : 0;
    const auto name = path.filename().string();
    sequence = std::stoull(name.substr(0, 16), nullptr, 16);
    if (live == 0) {
      ::unlink(path.c_str());
      removed = true;
      continue;
    }
    impl->segments[sequence] = Impl::Segment{path, live};
    for (const auto& id : ids)
      if (live_ids.contains(id)) impl->segment_of[id] = sequence;
  }
  if (removed) (void)core::fsync_dir(impl->dir_fd, impl->dir);
  impl->pending_count = contents->live.size();
  impl->recovered = std::move(contents->live);
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
  Impl::Append append{encode_log_arrival(message, content), message.id, std::move(done)};
  {
    std::lock_guard lock(impl_->mutex);
    impl_->appends.push_back(std::move(append));
    ++impl_->pending_count;
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

std::size_t ArrivalLog::pending() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->pending_count;
}

core::Result<std::vector<ArrivalLog::Recovered>> read_arrival_log(const fs::path& spool) {
  auto contents = read_log(spool);
  if (!contents) return core::fail(contents.error().message);
  return std::move(contents->live);
}

}  // namespace mxkit::queue
