// Probes one SMTP server (socket edge of the mail-server checks): connect, 220 banner, EHLO,
// STARTTLS with the certificate's facts, RCPT to postmaster, and the open-relay test. It never
// sends DATA: every transaction ends with RSET, the session with QUIT.
#pragma once

#include <chrono>
#include <string>

#include <asio/awaitable.hpp>

#include "checks/smtp_checks.hpp"

namespace mxkit::checks {

struct SmtpProbeOptions {
  std::string domain;  // the domain checked: RCPT TO:<postmaster@domain>
  std::string helo_name = "mxkit-check.invalid";
  std::chrono::milliseconds timeout{5000};  // connect, and each reply or handshake
};

asio::awaitable<SmtpFacts> probe_smtp(std::string exchange, std::string address, std::uint16_t port,
                                      SmtpProbeOptions options);

}  // namespace mxkit::checks
