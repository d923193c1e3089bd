// MAIL FROM's domain check (RFC 7505 §4.2: mail from a domain with a null MX can never be
// answered, so it is refused with 550 5.7.27): the domain's MX RRset through the resolver,
// read by the routing layer's MX-set rules, with a small cache of verdicts per domain.
#pragma once

#include <chrono>
#include <random>
#include <string>
#include <unordered_map>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "mta/policy.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::mta {

// One per event-loop thread (the resolver is not locked).
class SenderDomainChecker {
 public:
  SenderDomainChecker(asio::any_io_executor executor, resolver::ResolverConfig config);

  asio::awaitable<SenderDomainStatus> check(std::string domain);

 private:
  struct Cached {
    SenderDomainStatus status;
    std::chrono::steady_clock::time_point expires;
  };
  resolver::Resolver resolver_;
  std::unordered_map<std::string, Cached> cache_;
  std::mt19937_64 rng_{0x6d786b6974};  // only orders exchangers, which this check ignores
};

}  // namespace mxkit::mta
