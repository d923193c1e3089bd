// The arrival log: where local mail is kept from its 250 until its Maildir copies are written.
//
// The spool gives every message a file of its own, which costs the file system an inode, its
// blocks, a directory entry and their fsyncs per message. For mail whose every recipient is
// local the copies follow within milliseconds, so the message only needs to survive a crash
// for that long. The log appends it instead to a segment, a file whose blocks were allocated
// when it was made and which is reused once freed, so a commit writes into blocks it need not
// allocate, and (from a segment's second use on) its fdatasync writes data only: no inode, no
// directory. Messages from many sessions are committed together with one fdatasync; the 250
// waits for that, and the Maildir copies are written after it (docs/architecture.md, "The
// arrival log").
//
//   SPOOL/log/<SLOT>.log  segment: "MXKL" version(1) 3 zero octets generation(8, LE), frames
//                         free:    "MXKF" and anything after it (a slot kept for reuse)
//   frame = kind(1) length(4, LE) generation(8, LE) crc32c(4, LE, over generation, kind and
//           payload) payload; a frame of another generation is left from the slot's earlier
//           use and ends the segment, as zeros do
//     'M'  a message: payload is the image of a spool file with its envelope, content and
//          commit records (spool_file::encode_new), every recipient Pending
//     'X'  done: payload is a queue id whose copies are all written (or which the spool holds)
//   Each commit ends with a zero octet (written over by the next), so after the last good frame
//   there is a zero unless a crash cut the commit short: reading stops there too (noted).
//
// Segments are ordered by generation. One is freed (its header rewritten "MXKF" and fdatasynced)
// once every message in it is done and those done frames are on disk, the oldest first, so a
// done frame is never gone while the message it ends is still there. After a crash, open()
// hands back every message without a done frame; it is delivered again, and the Maildir courier
// finds the copies already written by name (never a second one).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "queue/message.hpp"

namespace mxkit::queue {

struct ArrivalLogOptions {
  std::uint64_t segment_bytes = 16u << 20;  // allocated ahead; a bigger message gets a bigger one
  std::size_t spare_segments = 4;           // freed segments kept for reuse
};

// What a segment holds, as far as it reads well (internal; also the fuzz target's subject).
struct DecodedSegment {
  struct Arrival {
    Message message;
    std::string content;
  };
  std::uint64_t generation = 0;
  bool free = false;  // a slot kept for reuse: nothing in it
  std::vector<Arrival> arrivals;
  std::vector<QueueId> done;
  std::size_t valid_end = 0;  // end of the last good frame
  std::string damage;         // empty, or why a frame that is not zeros did not read
};
core::Result<DecodedSegment> decode_log_segment(std::string_view bytes);
std::string encode_log_header(std::uint64_t generation);
std::string encode_log_arrival(std::uint64_t generation, const Message& message,
                               std::string_view content);
std::string encode_log_done(std::uint64_t generation, const QueueId& id);

class ArrivalLog {
 public:
  // Opens SPOOL/log/ (creating it) and reads what a previous run left: messages not done are
  // kept for recovered(), segments with nothing left are deleted.
  static core::Result<std::unique_ptr<ArrivalLog>> open(const std::filesystem::path& spool,
                                                        ArrivalLogOptions options = {});
  ~ArrivalLog();  // commits what was handed over, then stops

  struct Recovered {
    Message message;
    std::shared_ptr<const std::string> content;
  };
  // The messages a previous run logged and did not finish, oldest first (taken once).
  std::vector<Recovered> take_recovered();
  // Notes from open() an operator should hear of (a torn write at the end of a segment).
  std::vector<std::string> notes() const;
  // The highest queue id in the log at open (the spool keeps its ids above it).
  QueueId highest_id() const;

  // Appends the message; `done` runs on the log's thread once it is on stable storage (or
  // with the error: the caller answers 452 4.3.1 or stores it elsewhere).
  void append(const Message& message, std::string_view content,
              std::function<void(core::Result<void>)> done);
  // The message needs the log no more. Written with the next commit; never waited for.
  void mark_done(const QueueId& id);

  // Messages logged (or being logged) and not yet done, and their contents' octets: what
  // serve's back-pressure (--arrival-backlog, --arrival-backlog-bytes) looks at.
  struct Backlog {
    std::size_t messages = 0;
    std::uint64_t bytes = 0;
    void add(std::uint64_t size) {
      ++messages;
      bytes += size;
    }
    void forget(std::uint64_t size) {
      --messages;
      bytes -= size;
    }
    void forget(const Backlog& done) {
      messages -= done.messages;
      bytes -= done.bytes;
    }
  };
  Backlog backlog() const;

  struct Impl;

 private:
  explicit ArrivalLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Read-only, for `mxkit queue` while a server runs: the messages in SPOOL/log/ not yet done.
core::Result<std::vector<ArrivalLog::Recovered>> read_arrival_log(
    const std::filesystem::path& spool);

}  // namespace mxkit::queue
