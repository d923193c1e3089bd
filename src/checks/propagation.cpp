// Resolvers' MX answers against the authoritative one (see propagation.hpp).
#include "checks/propagation.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "checks/parallel.hpp"
#include "core/ascii.hpp"
#include "dns/message.hpp"
#include "dns/rrtype.hpp"
#include "resolver/resolver.hpp"
#include "resolver/transport.hpp"

namespace mxkit::checks {

namespace {

asio::awaitable<void> ask_resolver(ResolverView* out, dns::Name domain, ProbeOptions options) {
  auto server = resolver::parse_server_address(out->resolver, options.dns_port.value_or(53));
  if (!server) {
    out->error = server.error().message;
    co_return;
  }
  dns::Message query;
  query.header.rd = true;  // the resolver's view, from its cache when it has one
  query.question.push_back({domain, dns::rrtype::MX, dns::rrclass::IN});
  resolver::ExchangeOptions exchange_options;
  exchange_options.timeout = options.timeout;
  auto reply = co_await resolver::exchange(co_await asio::this_coro::executor, *server,
                                           std::move(query), exchange_options);
  if (!reply) {
    out->error = reply.error().message;
    co_return;
  }
  out->answered = true;
  const auto rcode = reply->reply.header.rcode;
  out->rcode = rcode == 0   ? "NOERROR"
               : rcode == 3 ? "NXDOMAIN"
               : rcode == 2 ? "SERVFAIL"
                            : fmt::format("RCODE{}", rcode);
  for (const auto& r : reply->reply.answer) {
    if (r.type != dns::rrtype::MX || r.rdata.size() < 3) continue;
    const unsigned preference = (unsigned{r.rdata[0]} << 8) | r.rdata[1];
    out->mx.push_back(fmt::format(
        "{} {}", preference,
        core::ascii_lower(dns::Name::from_wire(std::span(r.rdata).subspan(2)).to_text())));
    out->ttl = out->ttl ? std::min(*out->ttl, r.ttl) : r.ttl;
  }
  std::sort(out->mx.begin(), out->mx.end());
}

}  // namespace

asio::awaitable<std::vector<ResolverView>> probe_resolvers(std::vector<std::string> resolvers,
                                                           dns::Name domain, ProbeOptions options) {
  std::vector<ResolverView> views(resolvers.size());
  std::vector<asio::awaitable<void>> tasks;
  for (std::size_t i = 0; i < resolvers.size(); ++i) {
    views[i].resolver = resolvers[i];
    tasks.push_back(ask_resolver(&views[i], domain, options));
  }
  co_await run_parallel(std::move(tasks));
  co_return views;
}

std::vector<Finding> check_propagation(const std::vector<ResolverView>& views,
                                       const NameServerFacts& servers) {
  std::vector<Finding> out;
  const ServerAnswer* authority = nullptr;
  for (const auto& s : servers.servers)
    for (const auto& a : s.answers)
      if (authority == nullptr && a.authoritative && a.mx_answered) authority = &a;
  if (authority == nullptr) return out;  // nothing to compare with: the name-server area says why
  const auto listed = [](const std::vector<std::string>& mx) {
    return mx.empty() ? std::string("no MX") : fmt::format("{}", fmt::join(mx, ", "));
  };
  for (const auto& v : views) {
    if (!v.answered || v.mx == authority->mx) continue;
    out.push_back(make_finding(
        "propagation-pending", v.resolver,
        fmt::format("{} returns {} ({}) but {} gives {}; its copy may be cached for {} s more",
                    v.resolver, listed(v.mx), v.rcode, authority->address, listed(authority->mx),
                    v.ttl.value_or(0))));
  }
  return out;
}

}  // namespace mxkit::checks
