// Gathers the name-server facts (ns_checks.hpp): the delegation from a parent server, the NS
// set, then every name server's every address asked directly for SOA, NS and MX at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include <asio/awaitable.hpp>

#include "checks/ns_checks.hpp"
#include "dns/name.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::checks {

struct ProbeOptions {
  std::chrono::milliseconds timeout{1500};  // per query or SMTP step
  std::optional<std::uint16_t> dns_port;    // every direct query goes to this port (tests)
};

asio::awaitable<NameServerFacts> probe_nameservers(resolver::Resolver& resolver,
                                                   const dns::Name& zone,
                                                   const ProbeOptions& options);

// The addresses (A, then AAAA) of `name` through the resolver, as text; `error` says why none.
asio::awaitable<std::vector<std::string>> lookup_addresses(resolver::Resolver& resolver,
                                                           const dns::Name& name,
                                                           std::string& error);

}  // namespace mxkit::checks
