// Maildir delivery (see maildir.hpp).
#include "delivery/maildir.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>  // renameat2
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ascii.hpp"
#include "core/file_io.hpp"
#include "core/thread_name.hpp"

namespace mxkit::delivery {

namespace {

bool safe_folder_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;  // also "." and ".."
  for (unsigned char c : name)
    if (c == '/' || c < 0x20 || c == 0x7f) return false;
  return true;
}

std::string errno_text() { return core::errno_text(errno); }

DeliveryResult deferred(std::string text) {
  return {DeliveryResult::Status::Deferred, "451 4.3.0 " + text, "4.3.0", "maildir"};
}

DeliveryResult found_copy() {
  return {DeliveryResult::Status::Delivered, "250 2.0.0 delivered to maildir (copy found)",
          "2.0.0", "maildir"};
}

}  // namespace

core::Result<std::filesystem::path> maildir_folder(const std::filesystem::path& root,
                                                   std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size())
    return core::fail(fmt::format("\"{}\" is not local@domain", address));
  std::string local = core::ascii_lower(address.substr(0, at));
  std::string domain = core::ascii_lower(address.substr(at + 1));
  if (!safe_folder_name(local))
    return core::fail(fmt::format("local part \"{}\" is not a safe folder name", local));
  if (!safe_folder_name(domain))
    return core::fail(fmt::format("domain \"{}\" is not a safe folder name", domain));
  return root / domain / local;
}

std::string maildir_file_name(std::string_view queue_id, std::size_t index,
                              std::int64_t arrival_seconds, std::string_view host) {
  std::string safe_host;
  for (char c : host) {
    if (c == '/')
      safe_host += "\\057";
    else if (c == ':')
      safe_host += "\\072";
    else
      safe_host += c;
  }
  return fmt::format("{}.Q{}R{}.{}", arrival_seconds, queue_id, index, safe_host);
}

std::string maildir_content(std::string_view sender, std::string_view content) {
  std::string out;
  out.reserve(content.size() + sender.size() + 20);
  out += "Return-Path: <";
  out += sender;
  out += ">\n";
  std::size_t start = 0;
  for (;;) {
    const auto crlf = content.find("\r\n", start);
    if (crlf == std::string_view::npos) {
      out.append(content.substr(start));
      break;
    }
    out.append(content.substr(start, crlf - start));
    out += '\n';
    start = crlf + 2;
  }
  return out;
}

bool maildir_has_copy(const std::filesystem::path& folder, std::string_view name) {
  std::error_code ec;
  if (std::filesystem::exists(folder / "new" / std::string(name), ec)) return true;
  for (const auto& entry : std::filesystem::directory_iterator(folder / "cur", ec)) {
    const std::string file = entry.path().filename().string();
    if (file == name ||
        (file.size() > name.size() && file.starts_with(name) && file[name.size()] == ':'))
      return true;
  }
  return false;
}

namespace {

// Copies written and not yet committed, per courier (SyncfsBatch ones hold an open file until
// then).
constexpr std::size_t kMaxOpenCopies = 512;

}  // namespace

MaildirCourier::MaildirCourier(std::filesystem::path root, std::string hostname, Options options)
    : root_(std::move(root)), hostname_(std::move(hostname)), options_(options) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.writers); ++i)
    writers_.emplace_back([this] {
      // A low-priority courier's threads are told apart in top -H and perf.
      core::name_this_thread(options_.nice > 0 ? "mx-maildir-bg" : "mx-maildir-w");
      write_loop();
    });
  committer_ = std::thread([this] {
    core::name_this_thread(options_.nice > 0 ? "mx-maildir-bgs" : "mx-maildir-sync");
    commit_loop();
  });
}

MaildirCourier::~MaildirCourier() { stop(); }

void MaildirCourier::deliver(DeliveryJob job, DeliveryDone done) {
  Pending pending;
  pending.job = std::move(job);
  pending.done = std::move(done);
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(pending));
  }
  work_cv_.notify_one();
}

void MaildirCourier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && writers_.empty() && !committer_.joinable()) return;
    stopping_ = true;  // jobs handed over already are still written and reported
  }
  work_cv_.notify_all();
  for (auto& writer : writers_)
    if (writer.joinable()) writer.join();
  writers_.clear();
  {
    std::lock_guard lock(mutex_);  // the last writer gone: wake the committer to finish
  }
  ready_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

std::size_t MaildirCourier::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

void MaildirCourier::lower_priority() const {
  if (options_.nice != 0)
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), options_.nice);
}

void MaildirCourier::write_loop() {
  lower_priority();
  for (;;) {
    Pending pending;
    {
      std::unique_lock lock(mutex_);
      // Stopping, the open-copy bound is not waited on: the committer drains what is written.
      work_cv_.wait(lock, [this] {
        return stopping_ || (!queue_.empty() && open_copies_ < kMaxOpenCopies);
      });
      if (queue_.empty()) return;  // stopping, nothing left
      pending = std::move(queue_.front());
      queue_.pop_front();
      ++writing_;
    }
    write_copies(pending);
    {
      std::lock_guard lock(mutex_);
      --writing_;
      open_copies_ += pending.written.size();
      ready_.push_back(std::move(pending));
    }
    ready_cv_.notify_one();
  }
}

void MaildirCourier::commit_loop() {
  lower_priority();
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      ready_cv_.wait(lock, [this] {
        return !ready_.empty() || (stopping_ && queue_.empty() && writing_ == 0);
      });
      if (ready_.empty()) return;
      if (options_.gather.count() > 0)
        ready_cv_.wait_for(lock, options_.gather,
                           [this] { return stopping_ || open_copies_ >= kMaxOpenCopies / 2; });
      batch.swap(ready_);
      ++commits_;
    }
    commit(batch);
  }
}

core::Result<void> MaildirCourier::ensure_folder(const std::filesystem::path& folder) {
  {
    std::lock_guard lock(folders_mutex_);
    if (known_folders_.contains(folder)) return {};
  }
  std::error_code ec;
  const bool existed = std::filesystem::exists(folder / "new", ec);
  for (const char* sub : {"tmp", "new", "cur"}) {
    std::filesystem::create_directories(folder / sub, ec);
    if (ec)
      return core::fail(fmt::format("cannot create {}: {}", (folder / sub).string(), ec.message()));
  }
  // New folders are made durable up to the root, so a rename into new/ is never lost with them.
  if (!existed) {
    for (auto dir = folder; dir != root_.parent_path() && !dir.empty(); dir = dir.parent_path()) {
      if (auto synced = core::fsync_dir(dir); !synced)
        return core::fail("cannot make a new Maildir durable: " + synced.error().message);
      if (dir == root_) break;
    }
  }
  std::lock_guard lock(folders_mutex_);
  known_folders_.insert(folder);
  return {};
}

// One copy written into FOLDER/tmp/NAME (and fsynced, Durability::FsyncEach); the committer
// renames it.
core::Result<MaildirCourier::Written> MaildirCourier::write_copy(
    const std::filesystem::path& folder, const std::string& name, std::string_view text) {
  const auto tmp = folder / "tmp" / name;
  Written copy;
  copy.folder = folder;
  copy.name = name;
  {
    std::lock_guard lock(create_mutex_);
    copy.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    copy.sequence = ++opened_;
  }
  if (copy.fd < 0)
    return core::fail(fmt::format("cannot write {}: {}", tmp.string(), errno_text()));
  const bool written = core::write_all(copy.fd, text);
  const bool fsync_each = options_.durability == Durability::FsyncEach;
  struct stat st {};
  if (!written || (fsync_each ? ::fsync(copy.fd) : ::fstat(copy.fd, &st)) != 0) {
    const std::string why = errno_text();
    ::close(copy.fd);
    ::unlink(tmp.c_str());
    return core::fail(fmt::format("cannot {} {}: {}",
                                  !written ? "write" : (fsync_each ? "fsync" : "stat"),
                                  tmp.string(), why));
  }
  if (fsync_each) {  // durable: nothing more to ask of the file
    ::close(copy.fd);
    copy.fd = -1;
  }
  copy.device = st.st_dev;
  return copy;
}

// One job on a writer thread: each copy written in tmp/ (write_copy), or found from an earlier
// attempt. The committer makes them durable, names them in new/ and fsyncs new/.
void MaildirCourier::write_copies(Pending& pending) {
  const DeliveryJob& job = pending.job;
  pending.results.resize(job.recipients.size());
  const auto arrival =
      std::chrono::duration_cast<std::chrono::seconds>(job.message.arrival.time_since_epoch());
  std::string text;  // built once per message, for its first copy
  for (std::size_t slot = 0; slot < job.recipients.size(); ++slot) {
    const std::size_t index = job.recipients[slot];
    const auto& recipient = job.message.recipients.at(index);
    DeliveryResult& result = pending.results[slot];
    auto folder = maildir_folder(root_, recipient.address);
    if (!folder) {
      result = {DeliveryResult::Status::Bounced, "550 5.1.3 " + folder.error().message, "5.1.3",
                "maildir"};
      continue;
    }
    if (auto made = ensure_folder(*folder); !made) {
      result = deferred(made.error().message);
      continue;
    }
    const std::string name = maildir_file_name(job.message.id, index, arrival.count(), hostname_);
    // Only a copy that may have been written before (a recovered message, or a retry) is
    // looked for; a first attempt in this run cannot have left one in new/.
    // A copy found may have been named just before a crash of this process, its folder not yet
    // fsynced: it is reported once the committer has fsynced new/ too.
    if ((job.recovered || recipient.attempts > 0) && maildir_has_copy(*folder, name)) {
      result = found_copy();
      pending.renamed.push_back({slot, *folder});
      continue;
    }
    if (text.empty()) text = maildir_content(job.message.sender, *job.content);
    auto written = write_copy(*folder, name, text);
    if (!written) {
      result = deferred(written.error().message);
      continue;
    }
    written->slot = slot;
    pending.written.push_back(std::move(*written));
  }
}

// Group commit of a batch of jobs: their copies made durable (make_durable), each renamed into
// new/, then each new/ folder fsynced once, and the jobs reported.
void MaildirCourier::commit(std::vector<Pending>& batch) {
  std::size_t committed = 0;  // files closed here, renamed or not
  for (const auto& pending : batch) committed += pending.written.size();
  make_durable(batch);
  for (auto& pending : batch) rename_into_new(pending);
  {
    std::lock_guard lock(mutex_);
    open_copies_ -= committed;
  }
  work_cv_.notify_all();
  sync_folders(batch);
}

// Durability::SyncfsBatch: one syncfs(2) for each file system the batch's copies not yet
// durable are on, through its copy opened first. It writes every dirty page and inode of that
// file system and waits for them (one pass, one cache flush, for the whole batch), and reports
// any write-back error there since that copy was opened, so an error that may have touched any
// copy in the batch is seen. A copy on a file system whose syncfs failed is deferred (its tmp/
// file removed); it is written again at the next attempt.
void MaildirCourier::make_durable(std::vector<Pending>& batch) {
  std::map<dev_t, const Written*> oldest;
  for (auto& pending : batch)
    for (auto& copy : pending.written) {
      if (copy.durable()) continue;
      auto [it, added] = oldest.emplace(copy.device, &copy);
      if (!added && copy.sequence < it->second->sequence) it->second = &copy;
    }
  std::map<dev_t, std::string> failed;
  for (const auto& [device, copy] : oldest)
    if (::syncfs(copy->fd) != 0)
      failed.emplace(device, fmt::format("cannot make copies in {} durable: syncfs: {}",
                                         (copy->folder / "tmp").string(), errno_text()));
  if (failed.empty()) return;
  for (auto& pending : batch) {
    std::vector<Written> durable;
    for (auto& copy : pending.written) {
      if (auto it = failed.find(copy.device); !copy.durable() && it != failed.end()) {
        ::close(copy.fd);
        ::unlink((copy.folder / "tmp" / copy.name).c_str());
        pending.results[copy.slot] = deferred(it->second);
      } else {
        durable.push_back(std::move(copy));
      }
    }
    pending.written = std::move(durable);
  }
}

// Each durable copy given its name in new/ (the Maildir spec's order: a reader never sees part
// of a message, even after a crash), never over a copy already there: one found there was
// written by an attempt whose outcome was never recorded, and it stays (RENAME_NOREPLACE,
// where the file system has it).
//
// (An unnamed O_TMPFILE linked into new/ was measured too: no faster once correct. ext4 without
// a journal writes the file's inode with no link at the first fsync, so the link needs a
// second fsync of the file, or after a crash the name in new/ leads to an inode it calls
// deleted.)
void MaildirCourier::rename_into_new(Pending& pending) {
  for (auto& copy : pending.written) {
    if (copy.fd >= 0) ::close(copy.fd);
    const auto tmp = copy.folder / "tmp" / copy.name;
    const auto target = copy.folder / "new" / copy.name;
    int renamed = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
    if (renamed != 0 && errno == EINVAL) renamed = ::rename(tmp.c_str(), target.c_str());
    if (renamed != 0) {
      const int error = errno;
      ::unlink(tmp.c_str());
      if (error != EEXIST) {
        pending.results[copy.slot] = deferred(fmt::format(
            "cannot rename {} into new/: {}", tmp.string(), core::errno_text(error)));
        continue;
      }
      pending.results[copy.slot] = found_copy();
    } else {
      pending.results[copy.slot] = {DeliveryResult::Status::Delivered,
                                    "250 2.0.0 delivered to maildir", "2.0.0", "maildir"};
    }
    pending.renamed.push_back({copy.slot, copy.folder});
  }
  pending.written.clear();
}

// One fsync of each new/ folder for every copy named in it in this batch.
void MaildirCourier::sync_folders(std::vector<Pending>& batch) {
  std::set<std::filesystem::path> folders;
  for (const auto& pending : batch)
    for (const auto& [slot, folder] : pending.renamed) folders.insert(folder);
  std::map<std::filesystem::path, std::string> failed;
  for (const auto& folder : folders)
    if (auto synced = core::fsync_dir(folder / "new"); !synced)
      failed.emplace(folder, synced.error().message);
  for (auto& pending : batch) {
    for (const auto& [slot, folder] : pending.renamed)
      if (auto it = failed.find(folder); it != failed.end())
        pending.results[slot] = deferred(it->second);
    pending.done(std::move(pending.results));
  }
}

}  // namespace mxkit::delivery
