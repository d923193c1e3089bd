// Propagation of a console zone (GET /api/v1/zones/{zone}/propagation): every authoritative
// server of the zone — the addresses of its NS names, from the zone's own records or looked up,
// and the configured secondaries (NOTIFY targets) — asked directly for the zone's SOA, and when
// each first answered with the committed serial remembered (`caught_up_at`).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "console/store.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::console {

struct PropagationTarget {
  std::string host;  // an IP literal
  std::uint16_t port = 53;
};

struct PropagationOptions {
  std::vector<PropagationTarget> secondaries;  // the configured NOTIFY targets
  std::uint16_t ns_port = 53;                  // the port the NS names' addresses are asked on
  // Looks up NS names the zone has no address records for; without it they are listed with
  // the error saying so.
  std::optional<resolver::ResolverConfig> resolver;
  std::chrono::milliseconds timeout{1500};  // per SOA query
  // After each publish (watch()): the servers asked every poll_interval until all answer the
  // new serial, a newer one is published, or watch_for has passed.
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds watch_for{120000};
};

struct ServerStatus {
  std::string name;     // the NS name, or "secondary" for a NOTIFY target not among them
  std::string address;  // "127.0.0.1"
  std::uint16_t port = 53;
  std::optional<std::uint32_t> serial;  // what it answers now
  bool caught_up = false;               // at the committed serial or newer (RFC 1982)
  std::string caught_up_at;             // RFC 3339 UTC: first seen caught up; empty: not yet
  std::string error;                    // why no serial: "timeout after 1500 ms", "REFUSED"
};

// Any thread may call it; calls for one zone share the memory of when servers caught up.
class PropagationTracker {
 public:
  explicit PropagationTracker(PropagationOptions options);
  ~PropagationTracker();  // ends the watches (their thread joined)
  PropagationTracker(const PropagationTracker&) = delete;
  PropagationTracker& operator=(const PropagationTracker&) = delete;

  // Asks every server at once and waits for all (each at most the timeout, plus the lookups).
  std::vector<ServerStatus> probe(const Zone& zone, const std::vector<Record>& records);

  // Called after a publish; returns at once. The zone's servers are asked in the background
  // (one thread for every zone's watch, started at the first) until they have caught up, so
  // `caught_up_at` is when a server was first seen at the serial within poll_interval, whether
  // or not anyone asks /propagation meanwhile.
  void watch(const Zone& zone, const std::vector<Record>& records);

  // {zone, serial, servers: [{name, address, port, serial, caught_up, caught_up_at, error}]}
  nlohmann::json status_json(const Zone& zone, const std::vector<Record>& records);

 private:
  PropagationOptions options_;
  std::mutex mutex_;
  struct Seen {
    std::uint32_t serial = 0;  // the committed serial it caught up with
    std::string at;
  };
  std::map<std::string, Seen> caught_up_;         // "zone address port" → when
  std::map<std::string, std::uint32_t> watched_;  // zone → the serial its watch is for

  // Remembers who caught up (setting their caught_up and caught_up_at); true when every server
  // with an address has.
  bool remember(const Zone& zone, std::vector<ServerStatus>& servers);
  asio::awaitable<void> watch_zone(Zone zone, dns::Name origin, std::vector<ServerStatus> servers);
  struct Watcher;
  std::unique_ptr<Watcher> watcher_;  // under mutex_
};

// The servers to ask for a zone, without their answers: the NS names' addresses as the records
// give them (names with none get an empty address, to be looked up) and the secondaries.
std::vector<ServerStatus> propagation_servers(const Zone& zone, const std::vector<Record>& records,
                                              const PropagationOptions& options);

}  // namespace mxkit::console
