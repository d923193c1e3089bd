// The mail role of `mxkit serve`: its options (from the command line or the [smtp] TOML
// section) and the service that composes the spool, the queue runner with its Maildir
// courier, the control socket and the inbound SMTP server on one event-loop thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>

#include "cli/resolver_options.hpp"
#include "cli/serve_delivery.hpp"
#include "core/result.hpp"
#include "mta/policy.hpp"
#include "mta/server.hpp"
#include "net/endpoint.hpp"
#include "queue/arrival_log.hpp"

namespace mxkit::delivery {
class QueueRunner;
class ControlServer;
}  // namespace mxkit::delivery
namespace mxkit::queue {
class Spool;
}

namespace mxkit::cli {

// As given, before checking (the same fields in TOML, see docs/config.md).
struct MailOptions {
  std::vector<std::string> listen;  // "ADDRESS:PORT"
  std::string hostname;             // default: the system's host name
  std::filesystem::path spool;
  std::filesystem::path maildir_root;
  std::vector<std::string> local_domains, mailboxes, aliases, relay_from;
  std::filesystem::path tls_cert, tls_key;
  std::size_t max_message_size = 50u << 20;
  std::size_t max_recipients = 100;
  std::size_t max_connections = 1000;
  unsigned timeout_seconds = 300;  // RFC 5321 §4.5.3.2.7
  bool check_sender_domain = true;
  // Local messages the arrival log may hold before sessions wait for their Maildir copies
  // again; 0: every local message is written to its Maildirs before the 250.
  std::size_t arrival_backlog = 20000;
  std::uint64_t arrival_backlog_bytes = 128u << 20;
  ResolverOptions resolver;
  DeliveryOptions delivery;  // the delivering side (issue 9)
};

// Checks everything that can be checked without binding or opening anything; errors name the
// option ("--mailbox x@y: y is not a local domain").
core::Result<mta::SmtpServerOptions> make_smtp_options(const MailOptions& options);
core::Result<mta::PolicyConfig> make_policy_config(const MailOptions& options);
// For `serve --check-config`: every check `MailService::start` makes before it opens or binds
// anything (TLS certificate and key loaded, resolver and routes built); on success, what the
// mail role would do, as lines of text.
core::Result<std::string> check_mail_options(const MailOptions& options);

class MailService {
 public:
  explicit MailService(MailOptions options);
  ~MailService();

  // Opens and recovers the spool, starts the runner and the control socket, binds the SMTP
  // listeners, and runs them on a thread of their own.
  core::Result<void> start();
  // Stops taking connections and mail; what is queued stays in the spool.
  void stop();

 private:
  MailOptions options_;
  asio::io_context io_{1};
  std::unique_ptr<queue::Spool> spool_;
  std::unique_ptr<queue::ArrivalLog> arrival_log_;  // outlives the runner, which reports into it
  std::unique_ptr<delivery::QueueRunner> runner_;
  std::unique_ptr<delivery::ControlServer> control_;
  std::unique_ptr<mta::SmtpServer> smtp_;
  std::thread thread_;
};

// --smtp-listen, --hostname, --spool, ... and the resolver options, on `serve`.
void add_mail_options(CLI::App& serve, MailOptions& options);

// Logs "TIMESTAMP mxkit serve: LINE".
void log_serve(const std::string& line);

}  // namespace mxkit::cli
