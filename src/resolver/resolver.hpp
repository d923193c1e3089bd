// The resolver everything else uses: stub (ask recursive servers) or iterative (from the
// roots), with one shared cache. Asynchronous on Asio; the resolution logic itself lives in
// socket-free parts (iterative.hpp, cache.hpp) that this class drives.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <asio/any_io_executor.hpp>

#include "core/result.hpp"
#include "resolver/resolution.hpp"

namespace mxkit::resolver {

struct ServerAddress {
  asio::ip::address address;
  std::uint16_t port = 53;
};

// "IP", "IP:PORT", "[IPv6]:PORT"; default_port when none is given.
core::Result<ServerAddress> parse_server_address(std::string_view text, std::uint16_t default_port);
// The `nameserver` lines of a resolv.conf file (default /etc/resolv.conf).
core::Result<std::vector<ServerAddress>> read_resolv_conf(const std::string& path, std::uint16_t port);

struct ResolverConfig {
  enum class Mode : std::uint8_t { Stub, Iterative } mode = Mode::Stub;
  std::vector<ServerAddress> servers;      // stub: recursive servers, tried in order
  std::vector<ServerAddress> root_servers; // iterative: from the root hints
  std::vector<dns::Record> root_hints;     // iterative: the hints' root NS set and addresses, as read
  std::optional<std::uint16_t> port_override;  // --dns-port: every query goes to this port
  std::chrono::milliseconds timeout{1500};  // per query attempt, per server
  unsigned attempts = 2;                    // rounds over the server list (stub)
  std::chrono::milliseconds budget{10000};  // whole resolution, all queries included
  unsigned max_queries = 64;                // sent per resolution (iterative)
  unsigned max_depth = 8;                   // nested resolutions of name server names
  unsigned max_cname = 8;                   // CNAME links followed
  std::uint16_t edns_udp_size = 1232;
  bool recursion_desired = true;            // stub mode's RD bit
  std::uint32_t max_ttl = 86400;            // cache TTL cap
  std::uint32_t max_negative_ttl = 3600;
  std::size_t cache_bytes = 64u << 20;      // cache memory cap, evicting least recently used
  bool serve_stale = false;                 // RFC 8767, off by default
  std::chrono::seconds server_failure_memory{60};  // how long a failing server is avoided
  bool trace = false;                       // keep TraceStep records in each Resolution
};

// Root hints: a zone file of NS records for "." and their A/AAAA glue. `servers` are the
// addresses to start from; `records` the root NS set and those addresses as the file gives them.
struct RootHints {
  std::vector<ServerAddress> servers;
  std::vector<dns::Record> records;
};
core::Result<RootHints> read_root_hints(const std::string& path);

// One Resolver per io_context thread (it is not locked); it must outlive the resolutions it
// runs. Concurrent resolve() coroutines on its executor share the cache and server health.
class Resolver {
 public:
  Resolver(asio::any_io_executor executor, ResolverConfig config);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves qname/qtype, following CNAMEs, from the cache when it can. Never throws for DNS
  // outcomes: failures are a Status.
  asio::awaitable<Resolution> resolve(dns::Name qname, std::uint16_t qtype);

  const ResolverConfig& config() const;
  std::size_t queries_sent() const;  // over the resolver's lifetime (tests and benchmarks)

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mxkit::resolver
