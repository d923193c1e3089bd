// A queued message as the spool records it: the envelope, each recipient's state, the retry
// schedule. The content itself stays in the spool file and is read when needed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxkit::queue {

using Clock = std::chrono::system_clock;  // spool times are wall-clock (they survive restarts)
using QueueId = std::string;              // 16 uppercase hex digits, unique per spool, sortable by arrival

enum class RecipientState : std::uint8_t {
  Pending,    // still to deliver (never tried, or deferred)
  Delivered,  // taken by the next hop or written to its Maildir
  Bounced,    // failed permanently (a DSN is due unless the sender is <>)
  Expired,    // still failing when the queue lifetime ended (4.4.7)
};
std::string_view recipient_state_name(RecipientState state);  // "pending", "delivered", ...

struct Recipient {
  std::string address;           // forward-path without <>, as the client gave it
  RecipientState state = RecipientState::Pending;
  std::uint32_t attempts = 0;
  std::string last_reply;        // "550 5.1.1 <x@y>: no such user", or "connect to ...: refused"
  std::string status;            // RFC 3463 code of the last result: "5.1.1", "4.4.1"
  std::string remote_mta;        // "mail2.example.test[127.0.1.2]:25", or "maildir"
};

struct Message {
  QueueId id;
  std::string sender;            // reverse-path without <>; "" is the null sender <>
  std::vector<Recipient> recipients;
  Clock::time_point arrival;
  std::string client_address;    // "127.0.0.1"
  std::string helo;
  std::uint64_t size = 0;        // content octets
  bool body_8bit = false;
  bool smtputf8 = false;
  std::uint32_t attempts = 0;            // delivery rounds so far
  Clock::time_point next_attempt;        // when the scheduler should try again
  std::string last_error;                // one line: why the last round deferred
  bool delay_warning_sent = false;       // RFC 3464 Action: delayed, sent once
  bool bounce_sent = false;              // the DSN for bounced/expired recipients is queued

  bool finished() const;  // no recipient Pending
  // A DSN is owed: some recipient Bounced or Expired and the sender is not <>.
  bool bounce_needed() const;
  // Nothing left to do: finished, and the DSN (if owed) queued. The spool drops such a file.
  bool removable() const;
};

}  // namespace mxkit::queue
