// Local delivery into Maildirs (the format of cr.yp.to/proto/maildir.html, as Dovecot and
// Postfix's local(8) read and write it): ROOT/<domain>/<local part>/{tmp,new,cur}, one file a
// message, written in tmp/, fsynced, renamed into new/, the directory fsynced.
//
// Exactly once across crashes: a copy's file name is derived from its queue id and recipient
// index (not from the clock and the pid), so a redelivery after a crash between the rename and
// the spool's record of it finds the earlier copy in new/ (or cur/, once a reader has seen it)
// and reports it delivered instead of writing a second one.
#pragma once

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

// The Courier for local mailboxes, with the spool's group commit: writer threads each take a
// job, write its copies in tmp/, fsync them (in parallel across jobs) and rename them into
// new/; one syncer thread then fsyncs each new/ folder once for every copy finished meanwhile
// and reports those jobs. Deliveries at reception wait on this, so the fsyncs must overlap.
class MaildirCourier : public Courier {
 public:
  // `nice`: the writers' and syncer's scheduling priority (setpriority(2)); serve gives 19 to
  // the courier of the arrival log's copies (written after the 250), so receiving comes first.
  MaildirCourier(std::filesystem::path root, std::string hostname, std::size_t writers = 8,
                 int nice = 0);
  ~MaildirCourier() override;

  void deliver(DeliveryJob job, DeliveryDone done) override;
  void stop() override;

 private:
  struct Pending {
    DeliveryJob job;
    DeliveryDone done;
    std::vector<DeliveryResult> results;
    // Copies renamed into FOLDER/new, delivered once the syncer has fsynced that folder.
    std::vector<std::pair<std::size_t, std::filesystem::path>> renamed;
  };
  void lower_priority() const;  // on each of its threads
  void write_loop();
  void sync_loop();
  void write_copies(Pending& pending);
  enum class Placed { Written, AlreadyThere };
  core::Result<Placed> place_copy(const std::filesystem::path& folder, const std::string& name,
                                  std::string_view text);
  void sync_folders(std::vector<Pending>& batch);
  core::Result<void> ensure_folder(const std::filesystem::path& folder);

  std::filesystem::path root_;
  std::string hostname_;
  int nice_ = 0;
  std::mutex folders_mutex_;
  std::set<std::filesystem::path> known_folders_;  // created and fsynced already
  // Creating a file holds tmp/'s inode lock for the whole inode allocation (long on ext4
  // without a journal, which skips recently deleted inodes one by one); writers that wait for
  // it in the kernel spin. Waiting here sleeps instead: about 7% less CPU per message.
  std::mutex create_mutex_;
  std::mutex mutex_;
  std::condition_variable work_cv_;   // writers: a job is waiting
  std::condition_variable ready_cv_;  // syncer: a job is written
  std::deque<Pending> queue_;
  std::vector<Pending> ready_;
  std::size_t writing_ = 0;  // jobs taken by writers and not yet in ready_
  bool stopping_ = false;
  std::vector<std::thread> writers_;
  std::thread syncer_;
};

}  // namespace mxkit::delivery
