// The spool: store with group commit, update by appended records, recovery at open
// (format: spool_file.hpp; design: docs/architecture.md "Queue").
#include "queue/spool.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "core/encoding.hpp"
#include "core/thread_name.hpp"
#include "queue/spool_file.hpp"
#include "queue/spool_io.hpp"

namespace mxkit::queue {

namespace fs = std::filesystem;

namespace {

struct Job {
  Message message;
  std::string content;
  std::function<void(core::Result<Message>)> done;
};

std::uint64_t parse_id(std::string_view id) {
  std::uint64_t v = 0;
  for (char c : id) v = (v << 4) | static_cast<std::uint64_t>(core::hex_value(c));
  return v;
}

}  // namespace

struct Spool::Impl {
  fs::path dir;
  fs::path queue;
  fs::path free_dir;  // SPOOL/free: files of finished messages, kept for reuse
  SpoolOptions options;
  int queue_fd = -1;

  // Recycled files (names in free_dir). Creating an inode right after deleting thousands costs
  // ext4 a walk over the recently deleted ones (find_inode_bit → recently_deleted) that was
  // most of the kernel time at a few thousand messages a second; reusing a file costs a rename.
  std::mutex free_mutex;
  std::vector<std::string> free_files;

  std::mutex id_mutex;
  std::uint64_t last_id = 0;

  std::vector<Message> recovered;
  std::vector<std::string> notes;

  // Recipient count of every live message: an update must keep the stored recipient list.
  std::mutex known_mutex;
  std::unordered_map<QueueId, std::size_t> recipient_count;
  // Updates of one message are serialised; different messages fsync in parallel.
  std::array<std::mutex, 64> stripes;

  // Group commit: commit threads write and fdatasync files in parallel; the syncer thread
  // takes every file they finished, fsyncs the directory once, then runs those callbacks.
  std::mutex mutex;
  std::condition_variable work_cv;
  std::condition_variable ready_cv;
  std::deque<Job> work;
  std::vector<Job> ready;
  std::size_t writing = 0;  // jobs taken by commit threads and not yet in `ready`
  bool stopping = false;
  std::vector<std::thread> committers;
  std::thread syncer;

  QueueId next_id() {
    // Microseconds since the epoch, 8 bits of counter below: sortable by arrival, and a burst
    // within one microsecond still gets distinct ids.
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
                  .count();
    std::lock_guard lock(id_mutex);
    last_id = std::max(static_cast<std::uint64_t>(us) << 8, last_id + 1);
    return fmt::format("{:016X}", last_id);
  }

  void commit_loop();
  void sync_loop();
  core::Result<void> write_new(const Job& job);
  int open_new(const fs::path& path);
  void retire(const fs::path& path, const std::string& name);
  void recover();
  void recover_free();
  void save_id_floor();
};

// The file for a new message: a recycled one renamed into queue/ and emptied, or a new one.
// The rename needs no fsync of its own: the batch's directory fsync makes the new name
// durable with the content, and until then a crash leaves a file recovery treats as free
// (empty, cut before its commit record, or the finished message it held before).
int Spool::Impl::open_new(const fs::path& path) {
  for (;;) {
    std::string name;
    {
      std::lock_guard lock(free_mutex);
      if (free_files.empty()) break;
      name = std::move(free_files.back());
      free_files.pop_back();
    }
    if (::rename((free_dir / name).c_str(), path.c_str()) != 0) continue;  // gone: the next
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd >= 0) return fd;
    ::unlink(path.c_str());
  }
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

// A finished message's file (its last state record already durable) goes to free/ for reuse,
// up to SpoolOptions::max_free_files; past that it is unlinked. Neither needs an fsync: after
// a crash the file is found finished in queue/ and retired again.
void Spool::Impl::retire(const fs::path& path, const std::string& name) {
  {
    std::lock_guard lock(free_mutex);
    if (free_files.size() < options.max_free_files &&
        ::rename(path.c_str(), (free_dir / name).c_str()) == 0) {
      free_files.push_back(name);
      return;
    }
  }
  ::unlink(path.c_str());
}

core::Result<void> Spool::Impl::write_new(const Job& job) {
  fs::path path = queue / job.message.id;
  int fd = open_new(path);
  if (fd < 0) return core::fail(fmt::format("{}: {}", path.string(), spool_io::errno_text(errno)));
  std::string bytes = spool_file::encode_new(job.message, job.content);
  if (!spool_io::write_all(fd, bytes) || ::fdatasync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(path.c_str());  // nothing is kept of a message we answer 452 for
    return core::fail(fmt::format("{}: {}", path.string(), spool_io::errno_text(err)));
  }
  ::close(fd);
  return {};
}

void Spool::Impl::commit_loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex);
      work_cv.wait(lock, [&] { return stopping || !work.empty(); });
      if (work.empty()) return;
      job = std::move(work.front());
      work.pop_front();
      ++writing;
    }
    auto written = write_new(job);
    if (!written) {
      {
        std::lock_guard lock(mutex);
        --writing;
      }
      ready_cv.notify_one();
      job.done(core::fail(written.error().message));
      continue;
    }
    {
      std::lock_guard lock(mutex);
      --writing;
      ready.push_back(std::move(job));
    }
    ready_cv.notify_one();
  }
}

void Spool::Impl::sync_loop() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mutex);
      ready_cv.wait(lock,
                    [&] { return !ready.empty() || (stopping && work.empty() && writing == 0); });
      if (ready.empty()) return;
      batch.swap(ready);
    }
    // Every file in the batch was created before this fsync starts, so it covers them all.
    auto synced = spool_io::fsync_dir(queue_fd, queue);
    for (auto& job : batch) {
      if (!synced) {
        ::unlink((queue / job.message.id).c_str());
        job.done(core::fail(synced.error().message));
        continue;
      }
      {
        std::lock_guard lock(known_mutex);
        recipient_count[job.message.id] = job.message.recipients.size();
      }
      job.done(std::move(job.message));
    }
  }
}

void Spool::Impl::recover() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(queue, ec)) {
    std::string name = entry.path().filename().string();
    if (valid_queue_id(name)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  bool unlinked = false;
  for (const auto& name : names) {
    last_id = std::max(last_id, parse_id(name));
    fs::path path = queue / name;
    auto data = spool_io::read_file(path);
    if (!data) {
      notes.push_back(data.error().message);
      continue;
    }
    auto decoded = spool_file::decode(*data);
    if (!decoded && decoded.error().kind == spool_file::DecodeError::Incomplete) {
      // Cut before its commit record (or empty: a recycled file taken but not yet written):
      // the write never finished, so no 250 was given.
      retire(path, name);
      unlinked = true;
      continue;
    }
    if (decoded && decoded->message.id != name && decoded->message.removable()) {
      // A recycled file renamed into queue/ for a new message whose write the crash lost: it
      // still holds the finished message it held before.
      retire(path, name);
      unlinked = true;
      continue;
    }
    if (!decoded || decoded->message.id != name) {
      std::string why = decoded ? "the file names another id" : decoded.error().reason;
      fs::create_directories(dir / "corrupt", ec);
      fs::rename(path, dir / "corrupt" / name, ec);
      notes.push_back(fmt::format("{}: damaged ({}), moved to {}", path.string(), why,
                                  (dir / "corrupt" / name).string()));
      unlinked = true;
      continue;
    }
    if (decoded->message.removable()) {
      retire(path, name);  // finished before the crash; only its lazy retirement was lost
      unlinked = true;
      continue;
    }
    if (decoded->torn_tail) {
      // A state record cut by the crash: cut it off so the next append is readable.
      if (::truncate(path.c_str(), static_cast<off_t>(decoded->valid_end)) != 0)
        notes.push_back(fmt::format("{}: cutting a torn record: {}", path.string(),
                                    spool_io::errno_text(errno)));
    }
    recipient_count[name] = decoded->message.recipients.size();
    recovered.push_back(std::move(decoded->message));
  }
  if (unlinked) (void)spool_io::fsync_dir(queue_fd, queue);
}

// The free files a previous run left, up to the limit (the rest are unlinked).
void Spool::Impl::recover_free() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(free_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (valid_queue_id(name) && free_files.size() < options.max_free_files)
      free_files.push_back(std::move(name));
    else
      ::unlink(entry.path().c_str());
  }
}

void Spool::Impl::save_id_floor() {
  // Ids come from the clock; this floor keeps them rising even if the clock is set back
  // between two runs.
  fs::path tmp = dir / "id-floor.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = spool_io::write_all(fd, fmt::format("{:016X}\n", last_id)) && ::fdatasync(fd) == 0;
  ::close(fd);
  if (ok) ::rename(tmp.c_str(), (dir / "id-floor").c_str());
}

core::Result<std::unique_ptr<Spool>> Spool::open(const fs::path& dir, SpoolOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->queue = spool_io::queue_dir(dir);
  impl->free_dir = dir / "free";
  impl->options = options;
  std::error_code ec;
  for (const auto& made : {impl->queue, impl->free_dir}) {
    fs::create_directories(made, ec);
    if (ec) return core::fail(fmt::format("{}: {}", made.string(), ec.message()));
  }
  impl->queue_fd = ::open(impl->queue.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (impl->queue_fd < 0)
    return core::fail(fmt::format("{}: {}", impl->queue.string(), spool_io::errno_text(errno)));
  if (auto floor = spool_io::read_file(dir / "id-floor");
      floor && floor->size() >= 16 && valid_queue_id(std::string_view(*floor).substr(0, 16)))
    impl->last_id = parse_id(std::string_view(*floor).substr(0, 16));
  impl->recover_free();
  impl->recover();
  impl->save_id_floor();
  std::size_t threads = std::max<std::size_t>(1, options.commit_threads);
  for (std::size_t i = 0; i < threads; ++i)
    impl->committers.emplace_back([p = impl.get()] {
      core::name_this_thread("mx-spool-w");
      p->commit_loop();
    });
  impl->syncer = std::thread([p = impl.get()] {
    core::name_this_thread("mx-spool-sync");
    p->sync_loop();
  });
  return std::unique_ptr<Spool>(new Spool(std::move(impl)));
}

Spool::Spool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Spool::~Spool() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;  // what was handed over is still committed before the threads end
  }
  impl_->work_cv.notify_all();
  impl_->ready_cv.notify_all();
  for (auto& t : impl_->committers) t.join();
  {
    std::lock_guard lock(impl_->mutex);  // the last committer gone: wake the syncer to finish
  }
  impl_->ready_cv.notify_all();
  impl_->syncer.join();
  impl_->save_id_floor();
  ::close(impl_->queue_fd);
}

Message message_from(const NewMessage& in, QueueId id, Clock::time_point arrival) {
  Message message;
  message.id = std::move(id);
  message.sender = in.sender;
  message.arrival = arrival;
  message.next_attempt = arrival;
  message.client_address = in.client_address;
  message.helo = in.helo;
  message.size = in.content.size();
  message.body_8bit = in.body_8bit;
  message.smtputf8 = in.smtputf8;
  for (const auto& address : in.recipients) {
    Recipient rcpt;
    rcpt.address = address;
    message.recipients.push_back(std::move(rcpt));
  }
  return message;
}

QueueId Spool::reserve_id() { return impl_->next_id(); }

void Spool::keep_ids_above(const QueueId& id) {
  if (!valid_queue_id(id)) return;
  std::lock_guard lock(impl_->id_mutex);
  impl_->last_id = std::max(impl_->last_id, parse_id(id));
}

void Spool::store(NewMessage in, std::function<void(core::Result<Message>)> done) {
  Job job;
  QueueId id = in.id.empty() ? impl_->next_id() : in.id;
  if (!valid_queue_id(id)) {
    done(core::fail(fmt::format("bad queue id '{}'", id)));
    return;
  }
  const Clock::time_point arrival = in.arrival == Clock::time_point{} ? Clock::now() : in.arrival;
  job.message = message_from(in, std::move(id), arrival);
  job.content = std::move(in.content);
  job.done = std::move(done);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->work.push_back(std::move(job));
  }
  impl_->work_cv.notify_one();
}

core::Result<Message> Spool::store_sync(NewMessage message) {
  std::promise<core::Result<Message>> promise;
  auto future = promise.get_future();
  store(std::move(message),
        [&promise](core::Result<Message> r) { promise.set_value(std::move(r)); });
  return future.get();
}

std::vector<Message> Spool::recovered() const { return impl_->recovered; }
std::vector<std::string> Spool::recovery_notes() const { return impl_->notes; }
const fs::path& Spool::dir() const { return impl_->dir; }

core::Result<void> Spool::update(const Message& message) {
  if (!valid_queue_id(message.id)) return core::fail(fmt::format("bad queue id '{}'", message.id));
  std::size_t count = 0;
  {
    std::lock_guard lock(impl_->known_mutex);
    auto it = impl_->recipient_count.find(message.id);
    if (it == impl_->recipient_count.end())
      return core::fail(fmt::format("no message {} in {}", message.id, impl_->dir.string()));
    count = it->second;
  }
  if (count != message.recipients.size())
    return core::fail(fmt::format("message {}: {} recipients given, {} stored", message.id,
                                  message.recipients.size(), count));
  auto& stripe = impl_->stripes[std::hash<std::string>{}(message.id) % impl_->stripes.size()];
  std::lock_guard lock(stripe);
  fs::path path = impl_->queue / message.id;
  if (auto r = spool_io::append_record(path, spool_file::encode_state(message)); !r) return r;
  if (message.removable()) {
    // The finished state is on disk: the file's retirement may be lost in a crash, and
    // recovery then retires it itself.
    impl_->retire(path, message.id);
    std::lock_guard known(impl_->known_mutex);
    impl_->recipient_count.erase(message.id);
  }
  return {};
}

core::Result<std::string> Spool::read_content(const QueueId& id) const {
  if (!valid_queue_id(id)) return core::fail(fmt::format("bad queue id '{}'", id));
  std::string bytes;
  auto decoded = spool_io::load(impl_->dir, id, &bytes);
  if (!decoded) return core::fail(decoded.error().message);
  return bytes.substr(decoded->content_offset, decoded->content_size);
}

core::Result<void> Spool::remove(const QueueId& id) {
  if (!valid_queue_id(id)) return core::fail(fmt::format("bad queue id '{}'", id));
  fs::path path = impl_->queue / id;
  if (::unlink(path.c_str()) != 0) {
    int err = errno;
    if (err == ENOENT)
      return core::fail(fmt::format("no message {} in {}", id, impl_->dir.string()));
    return core::fail(fmt::format("{}: {}", path.string(), spool_io::errno_text(err)));
  }
  {
    std::lock_guard known(impl_->known_mutex);
    impl_->recipient_count.erase(id);
  }
  return spool_io::fsync_dir(impl_->queue_fd, impl_->queue);
}

}  // namespace mxkit::queue
