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
#include "auth/zone_files.hpp"
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
  std::string where;  // where it was given, for messages: "--zone X=F", "serve.toml:12:1"
  // TSIG (RFC 8945): when set, transfers out and NOTIFY in must be signed with this key (besides
  // coming from an allowed address), and our NOTIFY and a secondary's SOA/AXFR/IXFR queries
  // are signed with it and their answers verified.
  std::optional<dns::TsigKey> key = std::nullopt;
  std::vector<AddressPrefix> allow_notify = {};  // a secondary's NOTIFY senders; empty: its primaries
};

// "127.0.0.1:5300", "[::1]:5300", "::1" (port 53), "127.0.0.1" (port 53).
core::Result<ListenAddress> parse_listen_address(std::string_view text);

// How the zone checks (src/dns/zonecheck) weigh on a zone we are primary for: an error
// finding refuses it (the default, as BIND and NSD), or is logged and the zone served anyway
// (for test worlds that model the broken data found on the Internet); `off` for a secondary's
// kept copy, which is the primary's data as a transfer would bring it.
enum class ZoneChecks { refuse, warn, off };

struct ServerOptions {
  std::vector<ListenAddress> listen;
  std::size_t workers = 1;
  AnswerOptions answer;
  std::size_t max_tcp_connections = 512;  // per worker
  // TCP connections one client (an IPv4 address, an IPv6 /64) may hold at once, over all
  // workers; 0: default_tcp_per_client(max_tcp_connections × workers), at most 64.
  std::size_t tcp_per_client = 0;
  std::chrono::milliseconds tcp_idle_timeout{10000};  // RFC 7766 §6.2.3: seconds, not minutes
  std::vector<AddressPrefix> transfer_allow;  // who may AXFR/IXFR; empty: nobody
  std::vector<NotifyTarget> notify;           // told when a reload changes a zone's serial
  RateLimitOptions rate_limit;                // UDP response rate limiting; off by default
  std::filesystem::path journal_dir;          // IXFR journals; empty: beside each zone file
  // The journals of zones given by set_zone (the console's); empty: journal_dir, and when that
  // is empty too, kept in memory only.
  std::filesystem::path managed_journal_dir;
  JournalLimits journal;
  std::vector<dns::TsigKey> tsig_keys;        // every key a signed request may use
  // Serve the zones that load when some are refused (logging which), instead of not starting.
  bool keep_going = false;
  ZoneChecks zone_checks = ZoneChecks::refuse;  // refuse or warn (never off for primary zones)
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
  std::atomic<std::uint64_t> tcp_client_limited{0};  // connections closed at the per-client cap
};

// "counters: udp=… tcp=… NOERROR=… …": the one-line form `kill -USR1` logs.
std::string format_counters(const ServerCounters& counters);

// A zone that is not served from its file, and why (each reason one line, "FILE:LINE:…").
struct RefusedZone {
  dns::Name origin;
  std::string place;  // where it was given (ZoneSource::where)
  std::vector<std::string> reasons;
  bool previous_copy = false;  // at a reload: the copy loaded before goes on serving
};
// "zone ORIGIN (PLACE):" and the reasons: each after `separator` when it holds a new line
// ("\n    "), else on one line joined by it ("; ").
std::string format_refused(const RefusedZone& refused, std::string_view separator);


// One zone from its file; with no zone, `reasons` says why. Error findings served anyway
// (ZoneChecks::warn) are added to `served_despite`.
LoadedZone load_zone(const ZoneSource& source, ZoneChecks checks, std::vector<std::string>& reasons,
                     std::vector<std::string>* served_despite = nullptr);

// What the zone files of a server loaded to: zones[i] is sources[i]'s (empty for a secondary,
// and for a zone refused with no previous copy).
struct LoadedZones {
  std::vector<LoadedZone> zones;
  std::shared_ptr<const ZoneSet> set;
  std::size_t reread = 0;  // zones read from their files this time
  std::size_t kept = 0;    // zones shared with `previous`, their files unchanged
  std::vector<RefusedZone> refused;  // in the order of the sources
  std::vector<RefusedZone> warned;   // served despite error findings (ZoneChecks::warn)
};

// Loads every zone of a file (sources without primaries). With `previous` (loaded from the
// same sources), a zone whose files have not changed (size, mtime, inode) is taken from it
// instead of being read again. A zone that cannot be read, or that the refusal rules keep out
// (zone_refusal.hpp), is listed in `refused`; `previous`'s copy of it, if any, is served
// instead, else the set answers SERVFAIL for it.
LoadedZones load_zones(const std::vector<ZoneSource>& sources, const LoadedZones* previous = nullptr,
                       ZoneChecks checks = ZoneChecks::refuse);

class DnsServer {
 public:
  DnsServer(ServerOptions options, std::vector<ZoneSource> zones);
  ~DnsServer();

  // Loads the zones and binds every address; an error names every refused zone and why (unless
  // keep_going), an origin given twice, or the address.
  core::Result<void> start();
  // Serves until SIGINT or SIGTERM; SIGHUP reloads the zones (a refused zone keeps its old copy);
  // SIGUSR1 logs the counters.
  void run();
  // Reloads now, from any thread; an error lists the refused zones (the others were reloaded).
  core::Result<void> reload();

  // Serves `zone` from now on, beside the zones of files and secondaries, from any thread and
  // before or after start(): the change from the copy set before is journaled (IXFR), the zone
  // set swapped whole, and a changed serial announced by NOTIFY (RFC 1996). An origin given as
  // a file or secondary zone is refused, and so is a serial not newer (RFC 1982) than the
  // copy served unless the zone is the same.
  core::Result<void> set_zone(std::shared_ptr<const Zone> zone);
  // Stops serving a zone given by set_zone (REFUSED from then on); its journal goes with it.
  core::Result<void> remove_zone(const dns::Name& origin);
  // Makes run() return, from any thread (as SIGTERM does).
  void stop();

  const ServerCounters& counters() const { return counters_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServerCounters counters_;
};

}  // namespace mxkit::auth
