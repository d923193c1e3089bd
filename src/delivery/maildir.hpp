// Local delivery into Maildirs (the format of cr.yp.to/proto/maildir.html, as Dovecot and
// Postfix's local(8) read and write it): ROOT/<domain>/<local part>/{tmp,new,cur}, one file a
// message, written in tmp/, made durable, renamed into new/, the directory fsynced.
//
// Exactly once across crashes: a copy's file name is derived from its queue id and recipient
// index (not from the clock and the pid), so a redelivery after a crash between the rename and
// the spool's record of it finds the earlier copy in new/ (or cur/, once a reader has seen it)
// and reports it delivered instead of writing a second one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "core/result.hpp"
#include "delivery/courier.hpp"

namespace mxkit::delivery {

// The Maildir of `address` ("John.Doe@Example.TEST" → ROOT/example.test/john.doe), domain and
// local part lowercased (ASCII). A local part that is not a safe folder name (empty, "." or
// "..", a leading dot, '/', a control character) is an error: it would leave ROOT.
core::Result<std::filesystem::path> maildir_folder(const std::filesystem::path& root,
                                                   std::string_view address);

// The file name of copy `index` of message `queue_id`: "ARRIVAL.QIDRINDEX.HOST", the Maildir
// "time.unique.host" form with the unique part taken from the spool; '/' and ':' in the host
// name written as \057 and \072 as the Maildir spec asks.
std::string maildir_file_name(std::string_view queue_id, std::size_t index,
                              std::int64_t arrival_seconds, std::string_view host);

// What is written: "Return-Path: <SENDER>" (RFC 5321 §4.4, added at final delivery), then the
// content with every CRLF turned into LF (Maildir files use the local line ending).
std::string maildir_content(std::string_view sender, std::string_view content);

// True when a copy named `name` is already in FOLDER/new or FOLDER/cur (where a mail reader
// moves it, appending ":2,FLAGS").
bool maildir_has_copy(const std::filesystem::path& folder, std::string_view name);

// The Courier for local mailboxes, with a group commit: writer threads each take a job and write
// its copies in tmp/; one committer thread then takes every copy written meanwhile, renames each
// into new/ once it is durable, fsyncs each new/ folder once and reports those jobs. A copy is
// in new/ only once its data and inode are on stable storage, as the Maildir spec asks. How it
// gets there is the courier's Durability: an fsync of each copy by its writer, or one syncfs(2)
// of the file system by the committer for the whole batch, which writes the batch's inode
// blocks and bitmaps, and flushes the disk cache, once instead of once a copy
// (docs/architecture.md, "Maildir group commit", has the numbers).
class MaildirCourier : public Courier {
 public:
  enum class Durability {
    // Each copy fsynced by its writer, in parallel with the others': a session waiting for its
    // copy waits for its own file only, never for what else is dirty on the file system.
    FsyncEach,
    // The batch's copies made durable by one syncfs of each file system they are on: less CPU
    // a copy, but it writes whatever else is dirty there too; for copies nobody waits for.
    SyncfsBatch,
  };
  struct Options {
    std::size_t writers = 8;
    // The writers' and committer's scheduling priority (setpriority(2)); serve gives 19 to the
    // courier of the arrival log's copies (written after the 250), so receiving comes first.
    int nice = 0;
    Durability durability = Durability::FsyncEach;
    // How long the committer lets copies gather before a commit (or until 256 are written):
    // bigger batches cost less CPU a copy. Zero for copies a session waits for; serve gives
    // the arrival log's courier (SyncfsBatch) 20 ms.
    std::chrono::milliseconds gather{0};
  };
  MaildirCourier(std::filesystem::path root, std::string hostname, Options options);
  MaildirCourier(std::filesystem::path root, std::string hostname)
      : MaildirCourier(std::move(root), std::move(hostname), Options{}) {}
  ~MaildirCourier() override;

  void deliver(DeliveryJob job, DeliveryDone done) override;
  void stop() override;
  // Group commits made so far.
  std::size_t commits() const;

 private:
  // A copy written in FOLDER/tmp/NAME, to be renamed into new/. Unless its writer fsynced it,
  // its file stays open until committed: syncfs(2) through the oldest open copy reports any
  // write-back error on the file system since that copy was opened, so an error is never
  // missed for a copy in the batch.
  struct Written {
    std::size_t slot = 0;
    std::filesystem::path folder;
    std::string name;
    int fd = -1;                 // closed (-1) once its writer fsynced it (FsyncEach)
    dev_t device = 0;            // its file system
    std::uint64_t sequence = 0;  // order of opening
    bool durable() const { return fd < 0; }
  };
  struct Pending {
    DeliveryJob job;
    DeliveryDone done;
    std::vector<DeliveryResult> results;
    std::vector<Written> written;  // to be made durable and renamed into new/
    // Copies in FOLDER/new, delivered once the committer has fsynced that folder.
    std::vector<std::pair<std::size_t, std::filesystem::path>> renamed;
  };
  void lower_priority() const;  // on each of its threads
  void write_loop();
  void commit_loop();
  void write_copies(Pending& pending);
  core::Result<Written> write_copy(const std::filesystem::path& folder, const std::string& name,
                                   std::string_view text);
  void commit(std::vector<Pending>& batch);
  void make_durable(std::vector<Pending>& batch);
  void rename_into_new(Pending& pending);
  void sync_folders(std::vector<Pending>& batch);
  core::Result<void> ensure_folder(const std::filesystem::path& folder);

  std::filesystem::path root_;
  std::string hostname_;
  Options options_;
  std::mutex folders_mutex_;
  std::set<std::filesystem::path> known_folders_;  // created and fsynced already
  // Creating a file holds tmp/'s inode lock for the whole inode allocation (long on ext4
  // without a journal, which skips recently deleted inodes one by one); writers that wait for
  // it in the kernel spin. Waiting here sleeps instead: about 7% less CPU per message.
  std::mutex create_mutex_;
  std::uint64_t opened_ = 0;  // copies opened so far (under create_mutex_)
  mutable std::mutex mutex_;
  std::condition_variable work_cv_;   // writers: a job is waiting, or room for open copies
  std::condition_variable ready_cv_;  // committer: a job is written
  std::deque<Pending> queue_;
  std::vector<Pending> ready_;
  std::size_t writing_ = 0;       // jobs taken by writers and not yet in ready_
  std::size_t open_copies_ = 0;   // copies written and not yet committed (most hold a file)
  std::size_t commits_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> writers_;
  std::thread committer_;
};

}  // namespace mxkit::delivery
