// Access to a spool without opening it: the read-only listing `mxkit queue` uses while a
// server runs, and the two writes it makes when no server does.
#include <algorithm>
#include <optional>
#include <unordered_set>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "queue/arrival_log.hpp"
#include "queue/spool.hpp"
#include "queue/spool_file.hpp"
#include "queue/spool_io.hpp"

namespace mxkit::queue {

namespace fs = std::filesystem;

bool valid_queue_id(std::string_view text) {
  return text.size() == 16 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
         });
}

core::Result<std::vector<Message>> list_spool(const fs::path& dir) {
  fs::path queue = spool_io::queue_dir(dir);
  std::error_code ec;
  fs::directory_iterator it(queue, ec);
  if (ec) return core::fail(fmt::format("{}: {}", queue.string(), ec.message()));
  std::vector<Message> out;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return core::fail(fmt::format("{}: {}", queue.string(), ec.message()));
    std::string name = it->path().filename().string();
    if (!valid_queue_id(name)) continue;
    // Being written (no commit record yet), removed meanwhile, or damaged: not listed. The
    // file is only read, so a server working on it is never disturbed.
    auto decoded = spool_io::load(dir, name);
    if (!decoded || decoded->message.removable()) continue;
    out.push_back(std::move(decoded->message));
  }
  // Local mail in the arrival log, its copies not yet written (and not moved into queue/).
  auto logged = read_arrival_log(dir);
  if (!logged) return core::fail(logged.error().message);
  std::unordered_set<QueueId> spooled;
  for (const auto& m : out) spooled.insert(m.id);
  for (auto& entry : *logged)
    if (!spooled.contains(entry.message.id)) out.push_back(std::move(entry.message));
  std::sort(out.begin(), out.end(), [](const Message& a, const Message& b) { return a.id < b.id; });
  return out;
}

namespace {

// A message the arrival log holds (not in queue/), if any.
std::optional<ArrivalLog::Recovered> from_arrival_log(const fs::path& dir, const QueueId& id) {
  auto logged = read_arrival_log(dir);
  if (!logged) return std::nullopt;
  for (auto& entry : *logged)
    if (entry.message.id == id) return std::move(entry);
  return std::nullopt;
}

}  // namespace

core::Result<Message> read_message(const fs::path& dir, const QueueId& id) {
  if (!valid_queue_id(id))
    return core::fail(fmt::format("'{}' is not a queue id (16 hex digits)", id));
  auto decoded = spool_io::load(dir, id);
  if (!decoded) {
    if (auto logged = from_arrival_log(dir, id)) return std::move(logged->message);
    return core::fail(decoded.error().message);
  }
  if (decoded->message.removable())
    return core::fail(fmt::format("no message {} in {}", id, dir.string()));
  return std::move(decoded->message);
}

core::Result<std::string> read_message_content(const fs::path& dir, const QueueId& id) {
  if (!valid_queue_id(id))
    return core::fail(fmt::format("'{}' is not a queue id (16 hex digits)", id));
  std::string bytes;
  auto decoded = spool_io::load(dir, id, &bytes);
  if (!decoded) {
    if (auto logged = from_arrival_log(dir, id)) return std::string(*logged->content);
    return core::fail(decoded.error().message);
  }
  return bytes.substr(decoded->content_offset, decoded->content_size);
}

core::Result<void> reschedule_offline(const fs::path& dir, const QueueId& id,
                                      Clock::time_point when) {
  if (!valid_queue_id(id))
    return core::fail(fmt::format("'{}' is not a queue id (16 hex digits)", id));
  auto decoded = spool_io::load(dir, id);
  if (!decoded) return core::fail(decoded.error().message);
  fs::path path = spool_io::message_path(dir, id);
  if (decoded->torn_tail && ::truncate(path.c_str(), static_cast<off_t>(decoded->valid_end)) != 0)
    return core::fail(
        fmt::format("{}: cutting a torn record: {}", path.string(), spool_io::errno_text(errno)));
  Message m = std::move(decoded->message);
  m.next_attempt = when;
  return spool_io::append_record(path, spool_file::encode_state(m));
}

core::Result<void> remove_offline(const fs::path& dir, const QueueId& id) {
  if (!valid_queue_id(id))
    return core::fail(fmt::format("'{}' is not a queue id (16 hex digits)", id));
  fs::path path = spool_io::message_path(dir, id);
  if (::unlink(path.c_str()) != 0) {
    int err = errno;
    if (err == ENOENT) return core::fail(fmt::format("no message {} in {}", id, dir.string()));
    return core::fail(fmt::format("{}: {}", path.string(), spool_io::errno_text(err)));
  }
  return spool_io::fsync_dir(spool_io::queue_dir(dir));
}

}  // namespace mxkit::queue
