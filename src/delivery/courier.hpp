// The seam between the queue runner and the ways mail leaves it: a Courier takes the recipients
// of one message that share a destination kind (local Maildir, a remote exchanger over SMTP)
// and reports one result per recipient. Results are values (ENGINEERING.md, "Delivery results
// are values"), never log text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "queue/message.hpp"

namespace mxkit::delivery {

// What happened to one recipient in one attempt.
struct DeliveryResult {
  enum class Status : std::uint8_t {
    Delivered,  // in the Maildir, or taken by the next hop with 250
    Deferred,   // try again later (4xx, a local I/O error, no route yet)
    Bounced,    // failed for good (5xx): a DSN goes to the sender
  } status = Status::Deferred;
  std::string reply;  // "250 2.0.0 delivered to maildir", "452 4.3.1 write failed: No space left"
  std::string enhanced;    // RFC 3463: "2.0.0", "4.3.1", "5.1.1"
  std::string remote_mta;  // "maildir", or "mail2.example.test[127.0.1.2]:25"
};

// One message's recipients for one courier. The content is shared, read from the spool once.
struct DeliveryJob {
  queue::Message message;                      // as the spool has it now
  std::shared_ptr<const std::string> content;  // CRLF lines, with the Received: header
  std::vector<std::size_t> recipients;         // indices into message.recipients
  bool recovered = false;  // found at spool recovery: an earlier run may have delivered already
};

// `results[i]` is the result for `job.recipients[i]`.
using DeliveryDone = std::function<void(std::vector<DeliveryResult> results)>;

class Courier {
 public:
  virtual ~Courier() = default;
  // Delivers `job` and calls `done` once, from any thread. Must not block the caller for long:
  // a courier does its I/O on its own threads or event loop.
  virtual void deliver(DeliveryJob job, DeliveryDone done) = 0;
  // Stops taking jobs, finishes (or abandons, leaving them queued) those in progress.
  virtual void stop() = 0;
};

}  // namespace mxkit::delivery
