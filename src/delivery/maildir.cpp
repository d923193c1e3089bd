// Maildir delivery (see maildir.hpp).
#include "delivery/maildir.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ascii.hpp"
#include "core/file_io.hpp"

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

MaildirCourier::MaildirCourier(std::filesystem::path root, std::string hostname)
    : root_(std::move(root)), hostname_(std::move(hostname)), worker_([this] { run(); }) {}

MaildirCourier::~MaildirCourier() { stop(); }

void MaildirCourier::deliver(DeliveryJob job, DeliveryDone done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(job), std::move(done)});
  }
  wake_.notify_one();
}

void MaildirCourier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
}

void MaildirCourier::run() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      batch.swap(queue_);
    }
    deliver_batch(batch);
  }
}

core::Result<void> MaildirCourier::ensure_folder(const std::filesystem::path& folder) {
  if (known_folders_.contains(folder)) return {};
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
  known_folders_.insert(folder);
  return {};
}

void MaildirCourier::deliver_batch(std::deque<Pending>& batch) {
  struct Copy {
    std::size_t job = 0, slot = 0;
    std::filesystem::path folder;
    std::string name;
    int fd = -1;
  };
  std::vector<std::vector<DeliveryResult>> results(batch.size());
  std::vector<Copy> copies;
  for (std::size_t j = 0; j < batch.size(); ++j) {
    const DeliveryJob& job = batch[j].job;
    results[j].resize(job.recipients.size());
    const auto arrival =
        std::chrono::duration_cast<std::chrono::seconds>(job.message.arrival.time_since_epoch());
    std::string text;  // built once per message, for its first copy
    for (std::size_t slot = 0; slot < job.recipients.size(); ++slot) {
      const std::size_t index = job.recipients[slot];
      const auto& recipient = job.message.recipients.at(index);
      DeliveryResult& result = results[j][slot];
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
      Copy copy{j, slot, *folder,
                maildir_file_name(job.message.id, index, arrival.count(), hostname_)};
      // Only a copy that may have been written before (a recovered message, or a retry) is
      // looked for; a first attempt in this run cannot have left one in new/.
      if ((job.recovered || recipient.attempts > 0) && maildir_has_copy(copy.folder, copy.name)) {
        result = {DeliveryResult::Status::Delivered, "250 2.0.0 delivered to maildir (copy found)",
                  "2.0.0", "maildir"};
        continue;
      }
      if (text.empty()) text = maildir_content(job.message.sender, *job.content);
      const auto tmp = copy.folder / "tmp" / copy.name;
      copy.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (copy.fd < 0 || !core::write_all(copy.fd, text)) {
        result = deferred(fmt::format("cannot write {}: {}", tmp.string(), errno_text()));
        if (copy.fd >= 0) ::close(copy.fd);
        continue;
      }
      copies.push_back(std::move(copy));
    }
  }
  // Every file's data first, then the renames, then one fsync per new/ folder: a copy is
  // reported delivered only when its name in new/ is on disk.
  std::set<std::filesystem::path> folders;
  for (auto& copy : copies) {
    DeliveryResult& result = results[copy.job][copy.slot];
    const auto tmp = copy.folder / "tmp" / copy.name;
    const bool synced = ::fsync(copy.fd) == 0;
    const std::string why = errno_text();
    ::close(copy.fd);
    if (!synced) {
      result = deferred(fmt::format("cannot fsync {}: {}", tmp.string(), why));
      ::unlink(tmp.c_str());
      continue;
    }
    if (::rename(tmp.c_str(), (copy.folder / "new" / copy.name).c_str()) != 0) {
      result = deferred(fmt::format("cannot rename {} into new/: {}", tmp.string(), errno_text()));
      ::unlink(tmp.c_str());
      continue;
    }
    result = {DeliveryResult::Status::Delivered, "250 2.0.0 delivered to maildir", "2.0.0",
              "maildir"};
    folders.insert(copy.folder);
  }
  for (const auto& folder : folders) {
    auto synced = core::fsync_dir(folder / "new");
    if (synced) continue;
    const std::string why = synced.error().message;
    for (auto& copy : copies)
      if (copy.folder == folder &&
          results[copy.job][copy.slot].status == DeliveryResult::Status::Delivered)
        results[copy.job][copy.slot] = deferred(why);
  }
  for (std::size_t j = 0; j < batch.size(); ++j) batch[j].done(std::move(results[j]));
}

}  // namespace mxkit::delivery
