// Outside targets looked up for validation (target_lookup.hpp).
#include "console/target_lookup.hpp"

#include <algorithm>
#include <optional>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "checks/parallel.hpp"
#include "dns/rrtype.hpp"
#include "routing/address.hpp"

namespace mxkit::console {

namespace {

struct Lookup {
  std::optional<dns::Name> name;
  resolver::Resolution a, aaaa;
};

asio::awaitable<void> resolve_into(resolver::Resolver* resolver, dns::Name name, std::uint16_t type,
                                   resolver::Resolution* out) {
  *out = co_await resolver->resolve(std::move(name), type);
}

bool has_address(const resolver::Resolution& r) {
  if (r.status != resolver::Status::Answer) return false;
  return std::any_of(r.records.begin(), r.records.end(), [](const dns::Record& rec) {
    return routing::address_from_rdata(rec.type, rec.rdata).has_value();
  });
}

// RFC 2308: NXDOMAIN and NODATA are answers; a timeout or SERVFAIL says nothing.
bool definite(const resolver::Resolution& r) {
  return r.status == resolver::Status::NxDomain || r.status == resolver::Status::NoData ||
         r.status == resolver::Status::Answer;
}

TargetAddress classify(const Lookup& l) {
  const auto detail = fmt::format("A {}, AAAA {}{}", resolver::status_name(l.a.status),
                                  resolver::status_name(l.aaaa.status),
                                  l.a.detail.empty() ? "" : ": " + l.a.detail);
  if (has_address(l.a) || has_address(l.aaaa)) return {TargetAddress::State::has_address, {}};
  if (definite(l.a) && definite(l.aaaa)) return {TargetAddress::State::no_address, detail};
  return {TargetAddress::State::unverified, detail};
}

}  // namespace

TargetAddresses look_up_targets(const resolver::ResolverConfig& config,
                                const std::vector<std::string>& names,
                                const TargetLookupOptions& options) {
  resolver::ResolverConfig bounded = config;
  bounded.timeout = std::min(bounded.timeout, options.timeout);
  bounded.budget = std::min(bounded.budget, options.budget);
  bounded.attempts = 1;
  bounded.trace = false;

  TargetAddresses out;
  std::vector<Lookup> lookups(std::min(names.size(), options.max_names));
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i >= lookups.size()) {
      out[names[i]] = {TargetAddress::State::unverified,
                       fmt::format("not looked up: over {} names outside the zone in one request",
                                   options.max_names)};
      continue;
    }
    auto name = dns::Name::from_text(names[i]);
    if (name)
      lookups[i].name = *name;
    else
      out[names[i]] = {TargetAddress::State::unverified, name.error().message};
  }
  {
    // The io_context outlives the resolver, which outlives every resolution it runs.
    asio::io_context io(1);
    resolver::Resolver resolver(io.get_executor(), bounded);
    auto task = [&]() -> asio::awaitable<void> {
      std::vector<asio::awaitable<void>> tasks;
      for (auto& l : lookups) {
        if (!l.name) continue;
        tasks.push_back(resolve_into(&resolver, *l.name, dns::rrtype::A, &l.a));
        tasks.push_back(resolve_into(&resolver, *l.name, dns::rrtype::AAAA, &l.aaaa));
      }
      co_await checks::run_parallel(std::move(tasks));
    };
    asio::co_spawn(io, task(), asio::detached);
    io.run();
  }
  for (std::size_t i = 0; i < lookups.size(); ++i)
    if (lookups[i].name) out[names[i]] = classify(lookups[i]);
  return out;
}

}  // namespace mxkit::console
