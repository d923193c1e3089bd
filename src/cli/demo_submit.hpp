// Submitting the demo's messages to the sending MTA with the delivery side's own SMTP client
// (delivery::SmtpConnection on smtp::ClientSession), keeping its transcript to show the dialogue.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "smtp/client_session.hpp"

namespace mxkit::cli::demo {

struct Submission {
  std::vector<std::string> transcript;  // "C: MAIL FROM:<a>", "S: 250 2.1.0 Ok", ...
  std::vector<std::string> queue_ids;   // one per message taken ("queued as ID")
  std::vector<std::string> replies;     // the reply that decided each message
};

// All messages over one connection to address:port; fails when the connection cannot be made
// or any recipient is refused (the demo's messages are all meant to be taken).
core::Result<Submission> submit(const std::string& address, std::uint16_t port,
                                const std::string& helo,
                                const std::vector<smtp::Transaction>& messages,
                                std::chrono::milliseconds timeout);

// A message as the demo writes it: headers and a short body, CRLF line ends.
smtp::Transaction demo_message(const std::string& from, const std::string& to,
                               const std::string& subject, const std::string& body);

}  // namespace mxkit::cli::demo
