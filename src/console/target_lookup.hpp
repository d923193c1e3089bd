// The edge of validation's outside-target check (validate.hpp, TargetAddresses): A and AAAA of
// MX/NS/SRV targets outside the zone, looked up through `mxkit serve`'s resolver (the one
// `mxkit route` uses) with a short bound, so a save never waits long on a slow name server.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "console/validate.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::console {

struct TargetLookupOptions {
  std::chrono::milliseconds timeout{1000};  // per query sent
  std::chrono::milliseconds budget{3000};   // per name, all its queries included
  std::size_t max_names = 32;               // looked up per request; beyond: not verified
};

// Every name in `names` gets an answer: has_address, no_address (NXDOMAIN/NODATA for both A and
// AAAA), or unverified (a timeout, SERVFAIL, or over max_names). The names are looked up at
// once on a private io_context; the call returns within about `budget`.
TargetAddresses look_up_targets(const resolver::ResolverConfig& config,
                                const std::vector<std::string>& names,
                                const TargetLookupOptions& options = {});

}  // namespace mxkit::console
