// The spool: one file per message under SPOOL/queue/, written so that a crash at any instant
// leaves either the old or the new state (docs/architecture.md has the format and why).
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
};

struct SpoolOptions {
  std::size_t commit_threads = 8;  // parallel fsyncs in one group commit
};

class Spool {
 public:
  // Opens (creating SPOOL/queue/ and SPOOL/tmp/ when missing) and recovers: files that never
  // completed their commit are removed (no 250 was sent for them), the rest are loaded.
  static core::Result<std::unique_ptr<Spool>> open(const std::filesystem::path& dir, SpoolOptions options = {});
  ~Spool();

  // Writes and commits a new message; `done` runs on a commit thread with the id, or an error
  // (disk full, I/O error: the caller answers 452 4.3.1 and nothing is kept).
  void store(NewMessage message, std::function<void(core::Result<Message>)> done);
  // The same, blocking (bounces, tests).
  core::Result<Message> store_sync(NewMessage message);

  // Messages found at open() (recovery) — the scheduler's initial content.
  std::vector<Message> recovered() const;

  // Appends the message's new recipient states and schedule (fsynced). Removes the file when
  // every recipient is finished.
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

}  // namespace mxkit::queue
