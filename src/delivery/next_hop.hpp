// Where the courier connects: the addresses of a domain's MX plan, or of a static relay.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "core/result.hpp"
#include "resolver/resolver.hpp"
#include "routing/planner.hpp"

namespace mxkit::delivery {

// A next hop given by the operator: HOST (a name or an IP address) and a port. Like Postfix's
// "[host]:port" in transport_maps/relayhost: no MX lookup, the host's own addresses.
struct Relay {
  std::string host;
  std::uint16_t port = 25;
  std::string text() const;
};
// "HOST", "HOST:PORT", "[HOST]:PORT", "[2001:db8::1]:25"; errors name what is wrong.
core::Result<Relay> parse_relay(std::string_view text, std::uint16_t default_port);
// "DOMAIN=HOST[:PORT]" (--route), the domain lowercased.
core::Result<std::pair<std::string, Relay>> parse_route(std::string_view text,
                                                        std::uint16_t default_port);

struct Hop {
  std::string name;  // the exchange or relay host, for logs
  asio::ip::address address;
  std::uint16_t port = 25;
};

// The hops in the order to try, or (when empty) the verdict for every recipient.
struct HopList {
  std::vector<Hop> hops;
  std::uint16_t verdict_status = 0;  // 556, 550, 451...
  std::string verdict_dsn;           // "5.1.10"
  std::string verdict_text;          // the plan's reason
};

// A static relay's addresses (the IP itself, or the name's A/AAAA in `preference` order).
asio::awaitable<HopList> relay_hops(resolver::Resolver& resolver, const Relay& relay,
                                    routing::AddressPreference preference);
// The MX plan of `domain` (RFC 5321 §5.1, RFC 7505) through the shared route driver.
asio::awaitable<HopList> mx_hops(resolver::Resolver& resolver, const std::string& domain,
                                 const routing::RoutingOptions& options, std::uint16_t port,
                                 std::mt19937_64& rng);

}  // namespace mxkit::delivery
