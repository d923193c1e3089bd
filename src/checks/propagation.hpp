// Propagation, measured (issue 12): what each recursive resolver given with --resolver returns
// for the domain's MX now, against the authoritative answer, and for how long its copy may
// stay cached (the TTL it gives counts down to the refresh).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "checks/finding.hpp"
#include "checks/ns_checks.hpp"
#include "checks/ns_probe.hpp"
#include "dns/name.hpp"

namespace mxkit::checks {

struct ResolverView {
  std::string resolver;  // "127.0.0.53:53"
  bool answered = false;
  std::string error;
  std::string rcode;                 // "NOERROR", "NXDOMAIN", ...
  std::vector<std::string> mx;       // "10 mx1.example.test.", sorted
  std::optional<std::uint32_t> ttl;  // the remaining TTL the resolver gave
};

// One recursive (RD) MX query to each resolver ("IP" or "IP:PORT"), at once.
asio::awaitable<std::vector<ResolverView>> probe_resolvers(std::vector<std::string> resolvers,
                                                           dns::Name domain, ProbeOptions options);

// propagation-pending for every resolver whose MX RRset differs from the authoritative one
// (the first authoritative server's answer in `servers`).
std::vector<Finding> check_propagation(const std::vector<ResolverView>& views,
                                       const NameServerFacts& servers);

}  // namespace mxkit::checks
