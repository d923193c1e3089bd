// Runs the MX routing planner (src/routing, sans-I/O) over the resolver: the one driver both
// `mxkit route` and the SMTP courier use, so a plan reads the same in either.
#pragma once

#include <random>

#include <asio/awaitable.hpp>

#include "dns/name.hpp"
#include "resolver/resolution.hpp"
#include "resolver/resolver.hpp"
#include "routing/planner.hpp"

namespace mxkit::delivery {

// The resolver's Resolution as the planner's lookup view: timeouts and SERVFAIL are `tempfail`
// (RFC 5321 §5.1: a temporary DNS failure defers, it never falls back to the domain's A).
routing::LookupResult to_lookup_result(resolver::Resolution&& resolution);

// One plan: the MX lookup, then every address lookup of the round at once (RFC 5321 §5.1
// leaves the lookups' order free; running them in parallel keeps a cold plan to two round
// trips of latency). Runs on the resolver's executor.
asio::awaitable<routing::DeliveryPlan> plan_once(resolver::Resolver& resolver,
                                                 const dns::Name& domain,
                                                 const routing::RoutingOptions& options,
                                                 std::mt19937_64& rng);

}  // namespace mxkit::delivery
