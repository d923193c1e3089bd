// The driver of the routing planner over the resolver (see route_driver.hpp), moved here from
// `mxkit route` so the courier plans exactly as the command does.
#include "delivery/route_driver.hpp"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/experimental/channel.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "dns/rrtype.hpp"

namespace mxkit::delivery {

routing::LookupResult to_lookup_result(resolver::Resolution&& r) {
  routing::LookupResult out;
  switch (r.status) {
    case resolver::Status::Answer: out.status = routing::LookupStatus::Answer; break;
    case resolver::Status::NoData: out.status = routing::LookupStatus::NoData; break;
    case resolver::Status::NxDomain: out.status = routing::LookupStatus::NxDomain; break;
    case resolver::Status::ServFail:
    case resolver::Status::Timeout: out.status = routing::LookupStatus::TempFail; break;
  }
  out.cnames = std::move(r.cnames);
  out.records = std::move(r.records);
  out.ttl = r.ttl;
  out.from_cache = r.from_cache;
  out.queries_sent = r.queries_sent;
  out.detail = r.detail.empty() && out.status == routing::LookupStatus::TempFail
                   ? std::string(resolver::status_name(r.status))
                   : std::move(r.detail);
  for (const auto& step : r.trace) {
    if (step.server == "cache") continue;  // `source` says so; the path lists queries sent
    std::string line =
        fmt::format("{} {} {}", step.server, step.qname.to_text(), dns::type_to_text(step.qtype));
    if (!step.zone.empty()) line += fmt::format(" (zone {})", step.zone);
    line += fmt::format(" → {}", step.outcome);
    if (step.over_tcp) line += " over TCP";
    if (step.elapsed.count() > 0)  // a reply came: how long it took
      line += fmt::format(" in {:.1f} ms", static_cast<double>(step.elapsed.count()) / 1000.0);
    out.path.push_back(std::move(line));
    out.hops.push_back({step.server, step.qname, step.qtype, step.zone, step.outcome, step.over_tcp,
                        static_cast<double>(step.elapsed.count()) / 1000.0});
  }
  if (!r.trace.empty()) {
    out.source = r.trace.back().server;
  } else if (out.from_cache) {
    out.source = "cache";
  }
  return out;
}

// Each address lookup is a coroutine of its own that reports on a channel.
asio::awaitable<routing::DeliveryPlan> plan_once(resolver::Resolver& resolver,
                                                 const dns::Name& domain,
                                                 const routing::RoutingOptions& options,
                                                 std::mt19937_64& rng) {
  auto executor = co_await asio::this_coro::executor;
  routing::RoutePlanner planner(domain, options, rng);
  for (int round = 0; round < 4 && !planner.done(); ++round) {
    const auto requests = planner.pending();
    if (requests.empty()) break;
    if (requests.size() == 1) {  // the MX lookup: nothing to run beside it
      planner.supply(requests[0], to_lookup_result(co_await resolver.resolve(requests[0].name,
                                                                             requests[0].type)));
      continue;
    }
    using Done = asio::experimental::channel<void(asio::error_code, std::size_t)>;
    Done done(executor, requests.size());
    std::vector<routing::LookupResult> results(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      asio::co_spawn(executor, resolver.resolve(requests[i].name, requests[i].type),
                     [&done, &results, i](std::exception_ptr e, resolver::Resolution r) {
                       if (e) {
                         results[i].status = routing::LookupStatus::TempFail;
                         try {
                           std::rethrow_exception(e);
                         } catch (const std::exception& x) {
                           results[i].detail = x.what();
                         } catch (...) {
                           results[i].detail = "lookup failed";
                         }
                       } else {
                         results[i] = to_lookup_result(std::move(r));
                       }
                       done.try_send(asio::error_code{}, i);
                     });
    }
    for (std::size_t n = 0; n < requests.size(); ++n)
      (void)co_await done.async_receive(asio::use_awaitable);
    for (std::size_t i = 0; i < requests.size(); ++i)
      planner.supply(requests[i], std::move(results[i]));
  }
  co_return planner.take_plan();
}

}  // namespace mxkit::delivery
