// Static next hops (--route, --relayhost): their text form, and the addresses of a hop given by
// name (its own A/AAAA, no MX lookup: Postfix's "[host]" form).
#include "delivery/next_hop.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "delivery/route_driver.hpp"
#include "dns/rrtype.hpp"
#include "routing/address.hpp"

namespace mxkit::delivery {

std::string Relay::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return v6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

core::Result<Relay> parse_relay(std::string_view text, std::uint16_t default_port) {
  auto fail = [&](std::string why) {
    return core::Result<Relay>(tl::unexpect, core::Error{fmt::format("\"{}\": {}", text, why)});
  };
  Relay relay;
  relay.port = default_port;
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']'");
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("expected ':PORT' after ']'");
      port = rest.substr(1);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) return fail("an IPv6 address needs brackets: [ADDRESS]:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return fail("no host");
  if (!port.empty() || (text.size() && text.back() == ':')) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail(fmt::format("bad port \"{}\"", port));
    relay.port = static_cast<std::uint16_t>(value);
  }
  if (!routing::parse_address(host)) {
    std::string name(host);
    if (name.back() != '.') name += '.';
    if (!dns::Name::from_text(name)) return fail("the host is neither an IP address nor a name");
  }
  relay.host = std::string(host);
  return relay;
}

core::Result<std::pair<std::string, Relay>> parse_route(std::string_view text,
                                                        std::uint16_t default_port) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return core::Result<std::pair<std::string, Relay>>(
        tl::unexpect, core::Error{fmt::format("\"{}\": expected DOMAIN=HOST[:PORT]", text)});
  auto relay = parse_relay(text.substr(eq + 1), default_port);
  if (!relay) return core::Result<std::pair<std::string, Relay>>(tl::unexpect, relay.error());
  std::string domain = core::ascii_lower(text.substr(0, eq));
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  return std::pair<std::string, Relay>(std::move(domain), std::move(*relay));
}

asio::awaitable<HopList> relay_hops(resolver::Resolver& resolver, const Relay& relay,
                                    routing::AddressPreference preference) {
  HopList out;
  if (auto address = routing::parse_address(relay.host)) {
    out.hops.push_back(Hop{relay.host, asio::ip::make_address(address->to_text()), relay.port});
    co_return out;
  }
  auto name = dns::Name::from_text(relay.host.back() == '.' ? relay.host : relay.host + ".");
  std::vector<std::uint16_t> types;
  switch (preference) {
    case routing::AddressPreference::Ipv6First: types = {dns::rrtype::AAAA, dns::rrtype::A}; break;
    case routing::AddressPreference::Ipv4First: types = {dns::rrtype::A, dns::rrtype::AAAA}; break;
    case routing::AddressPreference::Ipv4Only: types = {dns::rrtype::A}; break;
    case routing::AddressPreference::Ipv6Only: types = {dns::rrtype::AAAA}; break;
  }
  bool temporary = false, nxdomain = false;
  for (const auto type : types) {
    auto result = to_lookup_result(co_await resolver.resolve(*name, type));
    if (result.status == routing::LookupStatus::TempFail) temporary = true;
    if (result.status == routing::LookupStatus::NxDomain) nxdomain = true;
    for (const auto& record : result.records) {
      if (record.type != type) continue;
      if (auto a = routing::address_from_rdata(type, record.rdata))
        out.hops.push_back(Hop{relay.host, asio::ip::make_address(a->to_text()), relay.port});
    }
  }
  if (out.hops.empty()) {
    // A relay the operator named but DNS cannot find is a configuration or DNS problem, not
    // the recipient's: defer (Postfix does too), unless the name surely does not exist.
    out.verdict_status = temporary || !nxdomain ? 451 : 550;
    out.verdict_dsn = temporary || !nxdomain ? "4.4.3" : "5.4.4";
    out.verdict_text = fmt::format("relay host {} {}", relay.host,
                                   temporary  ? "could not be looked up (temporary DNS failure)"
                                   : nxdomain ? "does not exist"
                                              : "has no address");
  }
  co_return out;
}

asio::awaitable<HopList> mx_hops(resolver::Resolver& resolver, const std::string& domain,
                                 const routing::RoutingOptions& options, std::uint16_t port,
                                 std::mt19937_64& rng) {
  HopList out;
  auto name = dns::Name::from_text(domain.back() == '.' ? domain : domain + ".");
  if (!name) {
    out.verdict_status = 550;
    out.verdict_dsn = "5.1.2";
    out.verdict_text = fmt::format("bad domain \"{}\": {}", domain, name.error().message);
    co_return out;
  }
  const auto plan = co_await plan_once(resolver, *name, options, rng);
  if (plan.outcome != routing::Outcome::Deliverable) {
    // RFC 7505 §3 null MX 5.1.10, NXDOMAIN 5.1.2, a loop 5.4.6, nothing usable 5.4.4, and a
    // temporary DNS failure 4.4.3 (RFC 5321 §5.1: queue, never fall back to A).
    out.verdict_status = plan.status ? plan.status->reply : 451;
    out.verdict_dsn = plan.status ? plan.status->enhanced : "4.4.3";
    out.verdict_text = plan.reason;
    co_return out;
  }
  for (const auto& target : plan.targets) {
    std::string host = target.exchange.to_text();
    if (host.size() > 1 && host.back() == '.') host.pop_back();
    for (const auto& a : target.addresses)
      out.hops.push_back(Hop{host, asio::ip::make_address(a.to_text()), port});
  }
  co_return out;
}

}  // namespace mxkit::delivery
