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

MaildirCourier::MaildirCourier(std::filesystem::path root, std::string hostname,
                               std::size_t writers, int nice)
    : root_(std::move(root)), hostname_(std::move(hostname)), nice_(nice) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, writers); ++i)
    writers_.emplace_back([this] {
      // A low-priority courier's threads are told apart in top -H and perf.
      core::name_this_thread(nice_ > 0 ? "mx-maildir-bg" : "mx-maildir-w");
      write_loop();
    });
  syncer_ = std::thread([this] {
    core::name_this_thread(nice_ > 0 ? "mx-maildir-bgs" : "mx-maildir-sync");
    sync_loop();
  });
}

MaildirCourier::~MaildirCourier() { stop(); }

void MaildirCourier::deliver(DeliveryJob job, DeliveryDone done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(job), std::move(done), {}, {}});
  }
  work_cv_.notify_one();
}

void MaildirCourier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && writers_.empty() && !syncer_.joinable()) return;
    stopping_ = true;  // jobs handed over already are still written and reported
  }
  work_cv_.notify_all();
  for (auto& writer : writers_)
    if (writer.joinable()) writer.join();
  writers_.clear();
  {
    std::lock_guard lock(mutex_);  // the last writer gone: wake the syncer to finish
  }
  ready_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
}

void MaildirCourier::lower_priority() const {
  if (nice_ != 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice_);
}

void MaildirCourier::write_loop() {
  lower_priority();
  for (;;) {
    Pending pending;
    {
      std::unique_lock lock(mutex_);
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      pending = std::move(queue_.front());
      queue_.pop_front();
      ++writing_;
    }
    write_copies(pending);
    {
      std::lock_guard lock(mutex_);
      --writing_;
      ready_.push_back(std::move(pending));
    }
    ready_cv_.notify_one();
  }
}

void MaildirCourier::sync_loop() {
  lower_priority();
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      ready_cv_.wait(lock, [this] {
        return !ready_.empty() || (stopping_ && queue_.empty() && writing_ == 0);
      });
      if (ready_.empty()) return;
      batch.swap(ready_);
    }
    sync_folders(batch);
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

// One copy into FOLDER/new/NAME, complete and fsynced before it has that name: written in tmp/,
// fsynced, renamed into new/ (the Maildir spec's order, so a reader never sees part of a
// message, even after a crash), never over a copy already there.
//
// (An unnamed O_TMPFILE linked into new/ was measured too: no faster once correct. ext4 without
// a journal writes the file's inode with no link at the first fsync, so the link needs a
// second fsync of the file, or after a crash the name in new/ leads to an inode it calls
// deleted.)
core::Result<MaildirCourier::Placed> MaildirCourier::place_copy(const std::filesystem::path& folder,
                                                                const std::string& name,
                                                                std::string_view text) {
  const auto tmp = folder / "tmp" / name;
  const auto target = folder / "new" / name;
  int fd = -1;
  {
    std::lock_guard lock(create_mutex_);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  }
  if (fd < 0) return core::fail(fmt::format("cannot write {}: {}", tmp.string(), errno_text()));
  const bool written = core::write_all(fd, text);
  const bool synced = written && ::fsync(fd) == 0;
  if (!synced) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return core::fail(
        fmt::format("cannot {} {}: {}", written ? "fsync" : "write", tmp.string(), why));
  }
  ::close(fd);
  // A copy already there was written by an attempt whose outcome was never recorded: it stays.
  // (RENAME_NOREPLACE, where the file system has it.)
  int renamed = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
  if (renamed != 0 && errno == EINVAL) renamed = ::rename(tmp.c_str(), target.c_str());
  if (renamed != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    if (error == EEXIST) return Placed::AlreadyThere;
    return core::fail(
        fmt::format("cannot rename {} into new/: {}", tmp.string(), core::errno_text(error)));
  }
  return Placed::Written;
}

// One job on a writer thread: each copy written, fsynced and given its name in new/ (place_copy).
// The copy counts as delivered only after the syncer has fsynced that new/ folder.
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
    // fsynced: it is reported once the syncer has fsynced new/ too.
    const DeliveryResult found{DeliveryResult::Status::Delivered,
                               "250 2.0.0 delivered to maildir (copy found)", "2.0.0", "maildir"};
    if ((job.recovered || recipient.attempts > 0) && maildir_has_copy(*folder, name)) {
      result = found;
      pending.renamed.push_back({slot, *folder});
      continue;
    }
    if (text.empty()) text = maildir_content(job.message.sender, *job.content);
    const auto placed = place_copy(*folder, name, text);
    if (!placed) {
      result = deferred(placed.error().message);
      continue;
    }
    result = *placed == Placed::AlreadyThere
                 ? found
                 : DeliveryResult{DeliveryResult::Status::Delivered,
                                  "250 2.0.0 delivered to maildir", "2.0.0", "maildir"};
    pending.renamed.push_back({slot, *folder});
  }
}

// Group commit: one fsync of each new/ folder for every copy the writers finished meanwhile.
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
