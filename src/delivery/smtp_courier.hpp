// The SMTP courier: delivers one message's recipients for one domain in one transaction
// (RFC 5321 §5.1 routing by MX through the shared RoutePlanner and Resolver, or a static route),
// trying addresses in plan order, remembering dead hosts, reusing connections, within
// per-destination and total concurrency limits. Results are values, one per recipient.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "core/result.hpp"
#include "delivery/next_hop.hpp"
#include "delivery/smtp_connection.hpp"
#include "resolver/resolver.hpp"
#include "routing/planner.hpp"

namespace mxkit::delivery {

struct CourierOptions {
  ConnectionOptions connection;         // HELO name, TLS, RFC 5321 timeouts
  std::uint16_t smtp_port = 25;         // of every MX (Postfix's smtp_tcp_port)
  routing::RoutingOptions routing;      // --self, address preference
  std::map<std::string, Relay> routes;  // lowercase domain → static next hop (--route)
  std::optional<Relay> relayhost;       // every other domain (--relayhost)
  std::size_t max_addresses = 5;        // addresses tried per delivery (Postfix: 5)
  std::chrono::milliseconds dead_host_memory{std::chrono::seconds(30)};
  std::size_t per_destination_limit = 20;  // concurrent deliveries per domain
  std::size_t total_limit = 100;           // concurrent deliveries overall
  std::chrono::milliseconds connection_idle{std::chrono::seconds(2)};  // cached connection
  std::uint32_t connection_reuse_limit = 100;  // transactions per connection
  std::function<void(std::string_view)> log;   // one line per attempt; stderr when unset
  bool log_outcomes = true;  // also one line per recipient's result (the runner may log them)
  // Also every line of each outgoing SMTP dialogue ("ID: RELAY C: MAIL FROM:<a>", "... S: 250
  // 2.1.0 Ok"; the content as "<message, N octets>"), as Postfix's debug_peer_list does.
  bool log_transcript = false;
};

// What to deliver: the recipients of one message in one domain.
struct DeliveryRequest {
  std::string queue_id;
  std::string domain;  // the recipients' domain (lowercase)
  std::string sender;  // "" for <>
  std::vector<std::string> recipients;
  std::string content;  // CRLF lines, not dot-stuffed
  bool body_8bit = false;
  bool smtputf8 = false;
  std::chrono::system_clock::time_point arrival;  // for delay= in the log
};

struct RecipientOutcome {
  enum class Status : std::uint8_t { Sent, Deferred, Bounced } status = Status::Deferred;
  std::string dsn;      // RFC 3463: "2.0.0", "5.1.1", "4.4.1"
  std::string reply;    // "250 2.0.0 Ok: queued as X", or "connect to ...: Connection refused"
  std::string relay;    // "mx.example.test[192.0.2.1]:25", or "none"
  bool remote = false;  // `reply` is the remote server's (DSN Diagnostic-Code: smtp; ...)
  std::string stage;    // remote: what it answered ("RCPT", "end of data", "MAIL")
};
std::string_view status_name(RecipientOutcome::Status status);  // "sent", "deferred", "bounced"

class SmtpCourier {
 public:
  // The resolver (one cache for the whole server) and the courier share one executor.
  SmtpCourier(asio::any_io_executor executor, resolver::Resolver& resolver, CourierOptions options,
              std::uint64_t seed);
  ~SmtpCourier();

  // One outcome per recipient, in order. Never throws for network or SMTP outcomes.
  asio::awaitable<std::vector<RecipientOutcome>> deliver(DeliveryRequest request);

  // Closes every cached connection (QUIT); for shutdown.
  asio::awaitable<void> close_idle();

  struct Stats {
    std::uint64_t connections = 0;  // opened
    std::uint64_t reused = 0;       // transactions on a cached connection
    std::uint64_t dead_skips = 0;   // addresses skipped as remembered dead
  };
  Stats stats() const;

  struct State;  // shared with the background sweeper of idle connections

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mxkit::delivery
