// Delivery status notifications (RFC 3464, RFC 3462 multipart/report, RFC 3463 codes): the
// bounce (Action: failed) and the delay warning (Action: delayed), built from the spool's
// per-recipient records, never from log text.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "queue/message.hpp"

namespace mxkit::queue {

struct DsnOptions {
  std::string reporting_mta;     // our host name: "Reporting-MTA: dns; NAME"
  std::string postmaster;        // From: "MAILER-DAEMON@NAME" by default
  Clock::time_point now;
  std::string boundary_seed;     // makes the MIME boundary unique (the queue id does)
  std::size_t max_headers = 64 * 1024;  // the original's headers are included up to this
  // The queue lifetime: a delay warning says "Will-Retry-Until: arrival + lifetime" (0: omitted).
  std::chrono::milliseconds lifetime{0};
};

enum class DsnKind { Failure, Delay };

// The whole DSN message (headers + body, CRLF lines) to `message.sender`, reporting the
// recipients whose state matches `kind` (Bounced/Expired for Failure, Pending for Delay).
// `original` is the original message's content (its headers are attached as
// text/rfc822-headers). Nothing is built for a null sender: the caller must not ask.
std::string build_dsn(const Message& message, std::string_view original, DsnKind kind, const DsnOptions& options);

// "Sat, 05 Dec 2026 09:40:00 +0000" (RFC 5322 §3.3), in UTC.
std::string rfc5322_date(Clock::time_point when);

}  // namespace mxkit::queue
