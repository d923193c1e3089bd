// The authoritative DNS server: UDP and TCP listeners (RFC 1035 §4.2, RFC 7766) around the
// answer function, N worker threads, and zone reloads that swap whole zone sets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/answer.hpp"
#include "auth/journal.hpp"
#include "auth/notify.hpp"
#include "auth/rate_limit.hpp"
#include "auth/xfr.hpp"
#include "auth/zone_set.hpp"
#include "core/result.hpp"
#include "dns/name.hpp"
#include "dns/tsig.hpp"

namespace mxkit::auth {

struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 literal
  std::uint16_t port = 53;
};

struct ZoneSource {
  dns::Name origin;
  std::filesystem::path file;  // a secondary's copy (optional for a secondary)
  std::vector<ListenAddress> primaries;  // not empty: a secondary zone taken from these
  // TSIG (RFC 8945): when set, transfers out and NOTIFY in must be signed with this key (besides
  // coming from an allowed address), and our NOTIFY and a secondary's SOA/AXFR/IXFR queries
  // are signed with it and their answers verified.
  std::optional<dns::TsigKey> key = std::nullopt;
  std::vector<AddressPrefix> allow_notify = {};  // a secondary's NOTIFY senders; empty: its primaries
};

// "127.0.0.1:5300", "[::1]:5300", "::1" (port 53), "127.0.0.1" (port 53).
core::Result<ListenAddress> parse_listen_address(std::string_view text);

struct ServerOptions {
  std::vector<ListenAddress> listen;
  std::size_t workers = 1;
  AnswerOptions answer;
  std::size_t max_tcp_connections = 512;  // per worker
  std::chrono::milliseconds tcp_idle_timeout{10000};  // RFC 7766 §6.2.3: seconds, not minutes
  std::vector<AddressPrefix> transfer_allow;  // who may AXFR/IXFR; empty: nobody
  std::vector<NotifyTarget> notify;           // told when a reload changes a zone's serial
  RateLimitOptions rate_limit;                // UDP response rate limiting; off by default
  std::filesystem::path journal_dir;          // IXFR journals; empty: beside each zone file
  JournalLimits journal;
  std::vector<dns::TsigKey> tsig_keys;        // every key a signed request may use
};

// Counters any thread may read while the server runs.
struct ServerCounters {
  std::atomic<std::uint64_t> udp_queries{0}, tcp_queries{0}, dropped{0}, truncated{0};
  std::atomic<std::uint64_t> rcodes[24] = {};
  std::atomic<std::uint64_t> reloads{0}, failed_reloads{0};
  std::atomic<std::uint64_t> transfers{0}, refused_transfers{0};  // out, AXFR and IXFR
  std::atomic<std::uint64_t> ixfr_out{0};  // of `transfers`, those sent as differences
  std::atomic<std::uint64_t> axfr_in{0}, ixfr_in{0}, failed_transfers_in{0}, notifies_received{0};
  std::atomic<std::uint64_t> notifies_sent{0}, notifies_failed{0};
  std::atomic<std::uint64_t> rate_limited{0}, slipped{0};
};

// "counters: udp=… tcp=… NOERROR=… …": the one-line form `kill -USR1` logs.
std::string format_counters(const ServerCounters& counters);

// Loads every zone of a file (sources without primaries), or says which file is wrong and why.
core::Result<std::shared_ptr<const ZoneSet>> load_zones(const std::vector<ZoneSource>& sources);

class DnsServer {
 public:
  DnsServer(ServerOptions options, std::vector<ZoneSource> zones);
  ~DnsServer();

  // Loads the zones and binds every address; an error names the zone file or the address.
  core::Result<void> start();
  // Serves until SIGINT or SIGTERM; SIGHUP reloads the zones (a bad zone keeps the old set);
  // SIGUSR1 logs the counters.
  void run();
  // Reloads now, from any thread.
  core::Result<void> reload();

  const ServerCounters& counters() const { return counters_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServerCounters counters_;
};

}  // namespace mxkit::auth
