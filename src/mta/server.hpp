// The inbound SMTP server: an acceptor per listen address on one event loop, one coroutine per
// connection driving an smtp::ServerSession (the protocol lives there, socket-free), the
// acceptance policy, STARTTLS, timeouts, the connection limit, and the hand-over to the spool:
// the 250 after DATA is sent only once Spool::store reports the message on stable storage.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "core/result.hpp"
#include "mta/policy.hpp"
#include "net/endpoint.hpp"
#include "queue/spool.hpp"
#include "resolver/resolver.hpp"
#include "smtp/server_session.hpp"

namespace mxkit::mta {

struct SmtpServerOptions {
  std::vector<net::Endpoint> listen;
  smtp::ServerConfig session;          // hostname, limits; tls_available is set from tls_cert
  std::size_t max_connections = 1000;  // beyond it: 421 4.7.0 and close
  // RFC 5321 §4.5.3.2.7: a server waits at least 5 minutes for the next command (and for each
  // piece of DATA) before it gives up with 421.
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::filesystem::path tls_cert, tls_key;  // both or neither
  bool check_sender_domain = true;          // the RFC 7505 null-MX check on MAIL FROM
  resolver::ResolverConfig resolver;
};

// Called (on the server's thread) for every message once it is stored: the queue runner's
// submit. `content` is what was stored (with our Received: header). `copies_may_exist`: a
// delivery at reception (AtOnceHandler) wrote some of its Maildir copies before failing.
using StoredHandler =
    std::function<void(const queue::Message& message, std::shared_ptr<const std::string> content,
                       bool copies_may_exist)>;
using LogHandler = std::function<void(const std::string& line)>;
// Final delivery at reception (serve plugs in delivery::QueueRunner::deliver_at_once): offered
// every message whose recipients are all in local domains, with an id from Spool::reserve_id.
// `done` (any thread) gets true once every copy is on stable storage, and the attempt's log
// lines; on false the message is stored in the spool as usual, under the same id and arrival.
using AtOnceDone = std::function<void(bool delivered, std::vector<std::string> log_lines)>;
using AtOnceHandler = std::function<void(
    queue::Message message, std::shared_ptr<const std::string> content, AtOnceDone done)>;

class SmtpServer {
 public:
  SmtpServer(asio::io_context& io, SmtpServerOptions options, AcceptancePolicy policy,
             queue::Spool& spool, StoredHandler stored, LogHandler log);
  ~SmtpServer();

  // Local mail is then delivered before the 250 instead of queued first (call before start()).
  void set_at_once(AtOnceHandler handler);

  // Loads the TLS certificate and binds every address (each proved free of other processes
  // first); the error names the file or the address.
  core::Result<void> start();
  // Closes the acceptors; open connections end when the event loop stops.
  void stop();

  std::size_t connections() const;  // open now

  struct Shared;  // what every connection of this server uses (connection.cpp)

 private:
  std::unique_ptr<Shared> shared_;
};

}  // namespace mxkit::mta
