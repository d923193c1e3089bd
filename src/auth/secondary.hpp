// Secondary mode (RFC 1034 §4.3.5, RFC 1995, RFC 1996): one zone taken from its primaries by
// IXFR or AXFR on the SOA refresh timer or at a NOTIFY, retried, and expired. The protocol
// logic is in transfer_in; this holds the timers and the TCP client (Asio coroutines).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <asio.hpp>

#include "auth/ixfr.hpp"
#include "auth/server.hpp"
#include "auth/zone.hpp"
#include "core/result.hpp"
#include "dns/tsig.hpp"

namespace mxkit::auth {

// Sends `query` over a new TCP connection to `peer` and hands every response message to
// `on_message` until it returns true (done) or an error; each step (connect, write, each read)
// must finish within `timeout`.
asio::awaitable<core::Result<void>> tcp_exchange(
    asio::ip::tcp::endpoint peer, std::span<const std::uint8_t> query,
    const std::function<core::Result<bool>(std::span<const std::uint8_t>)>& on_message,
    std::chrono::milliseconds timeout);

class Secondary {
 public:
  struct Hooks {
    // A new version was received: `changes` holds the differences when it came by IXFR.
    std::function<void(std::shared_ptr<const Zone> before, std::shared_ptr<const Zone> after,
                       std::vector<ZoneDiff> changes)>
        install;
    std::function<void()> expire;  // SOA expire passed without a successful refresh
    std::function<void(const std::string&)> log;
  };

  // `initial`: the copy read from the zone file at start, or nullptr.
  Secondary(asio::io_context& io, ZoneSource source, std::shared_ptr<const Zone> initial,
            Hooks hooks, ServerCounters& counters);

  const dns::Name& origin() const { return source_.origin; }
  // Starts the refresh loop on the io_context given to the constructor.
  void start();
  // Refresh at once (a NOTIFY came); callable from any thread.
  void notify();
  void stop();
  // True when a NOTIFY from `address` is accepted: it matches allow_notify, or, when that is
  // empty, is one of the zone's primaries (BIND's allow-notify default).
  bool notify_allowed(const asio::ip::address& address) const;
  // The key the zone requires, or nullptr.
  const dns::TsigKey* key() const { return source_.key ? &*source_.key : nullptr; }

 private:
  asio::awaitable<void> loop();
  asio::awaitable<bool> refresh();
  asio::awaitable<core::Result<void>> transfer(const asio::ip::tcp::endpoint& primary,
                                               std::uint16_t qtype);
  void write_copy(const Zone& zone);
  // With the zone's key: signs `query` in place and returns the verifier for its answers.
  std::optional<dns::TsigVerifier> sign_query(std::vector<std::uint8_t>& query) const;

  asio::io_context& io_;
  ZoneSource source_;
  std::vector<asio::ip::tcp::endpoint> primaries_;
  std::shared_ptr<const Zone> zone_;
  Hooks hooks_;
  ServerCounters& counters_;
  asio::steady_timer timer_;
  bool notified_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point expire_at_;
  std::chrono::seconds first_retry_{2};
};

}  // namespace mxkit::auth
