// The spool: one file per message under SPOOL/queue/, written so that a crash at any instant
// leaves either the old or the new state (docs/architecture.md has the format and why).
// Files of finished messages move to SPOOL/free/ and are reused for new ones.
//
// Durability (RFC 5321 §6.1): store() calls `done` only once the message file and its
// directory are on stable storage. Stores from many sessions are committed together (group
// commit): files are fsynced in parallel and one directory fsync covers the batch.
// State changes are small appended records, fsynced before the call returns.
//
// Thread-safe. Blocking calls (update, remove, load) are for the delivery side's threads; the
// receive side uses store() with a completion callback, run on the spool's commit thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "queue/message.hpp"

namespace mxkit::queue {

// What the receiving side hands over: the envelope and the content (CRLF lines, with the
// Received: header already prepended by the MTA).
struct NewMessage {
  std::string sender;
  std::vector<std::string> recipients;
  std::string content;
  std::string client_address;
  std::string helo;
  bool body_8bit = false;
  bool smtputf8 = false;
  // Set only when the receiving side tried final delivery at once (Spool::reserve_id) and now
  // queues the message after all: the same id and arrival keep the Maildir file names of any
  // copy already written, so the queue's delivery finds them instead of writing them twice.
  QueueId id;
  Clock::time_point arrival{};
};

// The queue record a NewMessage becomes (every recipient Pending), with the given id and arrival.
Message message_from(const NewMessage& message, QueueId id, Clock::time_point arrival);

struct SpoolOptions {
  std::size_t commit_threads = 8;  // parallel fsyncs in one group commit
  // Files of finished messages kept in SPOOL/free/ for new messages (see spool.cpp: reusing
  // a file is much cheaper for ext4 than deleting one and creating another).
  std::size_t max_free_files = 4096;
};

class Spool {
 public:
  // Opens (creating SPOOL/queue/ when missing) and recovers: files that never completed their
  // commit are removed (no 250 was sent for them), finished ones too, the rest are loaded. A
  // file that is damaged (not cut short: wrong inside) is moved to SPOOL/corrupt/, never lost.
  static core::Result<std::unique_ptr<Spool>> open(const std::filesystem::path& dir,
                                                   SpoolOptions options = {});
  ~Spool();

  // Writes and commits a new message; `done` runs on a commit thread with the id, or an error
  // (disk full, I/O error: the caller answers 452 4.3.1 and nothing is kept).
  void store(NewMessage message, std::function<void(core::Result<Message>)> done);
  // A fresh id, unique in this spool and sortable by arrival like those store() gives, for a
  // message the receiving side delivers at once without storing it (or stores later).
  QueueId reserve_id();
  // Ids handed out from now on sort after `id` (one the arrival log holds: see arrival_log.hpp).
  void keep_ids_above(const QueueId& id);

  // The same, blocking (bounces, tests).
  core::Result<Message> store_sync(NewMessage message);

  // Messages found at open() (recovery) — the scheduler's initial content.
  std::vector<Message> recovered() const;
  // What recovery did that an operator should hear of ("moved damaged file ... to corrupt/").
  std::vector<std::string> recovery_notes() const;

  // Appends the message's new recipient states and schedule (fsynced). Removes the file when
  // every recipient is finished and the DSN, if one is owed, is queued (Message::removable).
  // The recipients must be those stored, in the same order.
  core::Result<void> update(const Message& message);
  core::Result<std::string> read_content(const QueueId& id) const;
  core::Result<void> remove(const QueueId& id);

  const std::filesystem::path& dir() const;

  struct Impl;

 private:
  explicit Spool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Read-only access for `mxkit queue` while a server runs: reads every message file as it is
// now (a file being written or removed meanwhile is skipped, never damaged).
core::Result<std::vector<Message>> list_spool(const std::filesystem::path& dir);
core::Result<Message> read_message(const std::filesystem::path& dir, const QueueId& id);
// The original content of a message, read-only (`mxkit queue show` prints its headers).
core::Result<std::string> read_message_content(const std::filesystem::path& dir, const QueueId& id);

// For `mxkit queue` when NO server runs on the spool (its control socket refused us): sets a
// message's next attempt by appending a state record (so a server started later sends it at
// once), and removes a message (file unlinked, directory fsynced).
core::Result<void> reschedule_offline(const std::filesystem::path& dir, const QueueId& id,
                                      Clock::time_point when);
core::Result<void> remove_offline(const std::filesystem::path& dir, const QueueId& id);

// 16 uppercase hex digits.
bool valid_queue_id(std::string_view text);

}  // namespace mxkit::queue
