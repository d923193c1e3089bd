// Iterative resolution from the roots (RFC 1034 §5.3.3) as a socket-free state machine: it
// says which server to ask next or which name server name it needs addresses for, and is told
// what came back. The driver in resolver.cpp only sends and waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"
#include "resolver/cache.hpp"
#include "resolver/classify.hpp"
#include "resolver/resolution.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::resolver {

using TimePoint = std::chrono::steady_clock::time_point;

// Servers that failed lately (timeout, unreachable, lame, SERVFAIL), avoided for a while so the
// next resolution tries the others first. Shared by all resolutions of one Resolver.
class ServerHealth {
 public:
  void failed(const ServerAddress& server, TimePoint now, std::chrono::seconds memory);
  bool avoid(const ServerAddress& server, TimePoint now) const;
  // The servers in the order to try them: those not failing lately first, each group in the
  // order given (stub mode's failover order).
  std::vector<ServerAddress> order(const std::vector<ServerAddress>& servers, TimePoint now) const;

 private:
  std::map<std::pair<asio::ip::address, std::uint16_t>, TimePoint> until_;
};

// The limits one top-level resolution shares with the nested ones it starts.
struct WorkBudget {
  unsigned queries_left = 64;
  TimePoint deadline;
};

class Iteration {
 public:
  struct Query {
    ServerAddress server;
    dns::Name qname;
    std::uint16_t qtype = 0;
    dns::Name zone;
    dns::Name host;  // the name server's name (root for a root hint without one)
  };
  struct NeedAddresses {
    dns::Name host;  // resolve its A (and AAAA) and call on_addresses
  };
  struct Finished {};
  using Action = std::variant<Query, NeedAddresses, Finished>;

  // `depth` counts nested resolutions above this one; it may ask for addresses only below
  // config.max_depth.
  Iteration(dns::Name qname, std::uint16_t qtype, const ResolverConfig& config, Cache& cache,
            ServerHealth& health, WorkBudget& budget, unsigned depth);

  // What to do now. Each Query is counted against the budget when returned.
  Action next(TimePoint now);
  // The reply to the last Query; returns its classification (for the trace).
  const Classified& on_reply(const Query& query, const dns::Message& reply, TimePoint now);
  // The last Query got no usable reply (timeout, unreachable, malformed).
  void on_failure(const Query& query, bool timeout, const std::string& why, TimePoint now);
  // Addresses for a NeedAddresses host (empty when it could not be resolved; `detail` why).
  void on_addresses(const dns::Name& host, const std::vector<asio::ip::address>& addresses,
                    const std::string& detail);

  const Resolution& result() const { return result_; }
  Resolution& result() { return result_; }
  bool finished() const { return finished_; }

 private:
  struct Server {
    dns::Name host;
    std::vector<asio::ip::address> addresses;
    std::vector<bool> tried;
    bool looked_up = false;
  };
  void start(const dns::Name& name);
  void set_zone(const dns::Name& zone, const std::vector<dns::Record>& ns,
                const std::vector<dns::Record>& addresses);
  void use_root_hints();
  void start_at_cached_cut_above(const dns::Name& zone);
  void finish(Status status, std::string detail);
  void finish_with(const Classified& c);
  void note_failure(bool timeout, std::string why);

  const ResolverConfig& config_;
  Cache& cache_;
  ServerHealth& health_;
  WorkBudget& budget_;
  unsigned depth_;
  std::uint16_t qtype_;
  dns::Name name_;  // the name being asked now: qname, or the end of the CNAME chain
  dns::Name zone_;
  std::vector<Server> servers_;
  std::vector<dns::Name> zones_seen_;
  // True while zone_'s servers came from the cache rather than from a referral of this
  // resolution: if they all fail, the delegation may be stale and the parent is asked again.
  bool zone_from_cache_ = false;
  unsigned failures_ = 0, timeouts_ = 0;
  std::string last_why_;
  std::string lookup_detail_;
  Classified last_;
  Resolution result_;
  bool finished_ = false;
};

// The port every query to `address` goes to: the override when set.
ServerAddress server_for(const asio::ip::address& address, const ResolverConfig& config);

// "referral to test.", "answer", "cname to x.test.", "nxdomain", "nodata", "lame: REFUSED".
std::string describe(const Classified& reply);

}  // namespace mxkit::resolver
