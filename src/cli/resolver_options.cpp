// --resolver / --root-hints / --dns-port / --timeout → a ResolverConfig.
#include "cli/resolver_options.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

namespace mxkit::cli {

void add_resolver_options(CLI::App& command, ResolverOptions& options) {
  command.add_option("--resolver", options.resolver,
                     "Recursive server to ask, IP[:PORT] (stub mode; default: /etc/resolv.conf)");
  command.add_option("--root-hints", options.root_hints,
                     "Resolve iteratively from these roots: a zone file of NS records for \".\" "
                     "and their addresses");
  command
      .add_option("--dns-port", options.dns_port,
                  "Port of every DNS query sent (default 53; for tests)")
      ->check(CLI::Range(1, 65535));
  command
      .add_option("--timeout", options.timeout_ms,
                  "Milliseconds to wait for each reply (default 1500)")
      ->check(CLI::Range(1, 600000));
}

core::Result<resolver::ResolverConfig> make_resolver_config(const ResolverOptions& options) {
  resolver::ResolverConfig config;
  const std::uint16_t port = options.dns_port != 0 ? options.dns_port : std::uint16_t{53};
  if (options.timeout_ms != 0) {
    config.timeout = std::chrono::milliseconds(options.timeout_ms);
    // The whole resolution may take several rounds of timeouts; keep the budget above them.
    config.budget = std::max(config.budget, config.timeout * 4);
  }
  if (!options.root_hints.empty()) {
    if (!options.resolver.empty())
      return core::fail(
          "give either --resolver (stub mode) or --root-hints (iterative mode), not both");
    auto roots = resolver::read_root_hints(options.root_hints);
    if (!roots)
      return core::fail(
          fmt::format("--root-hints {}: {}", options.root_hints, roots.error().message));
    config.mode = resolver::ResolverConfig::Mode::Iterative;
    config.root_servers = std::move(roots->servers);
    config.root_hints = std::move(roots->records);
    if (options.dns_port != 0) config.port_override = options.dns_port;
    return config;
  }
  config.mode = resolver::ResolverConfig::Mode::Stub;
  if (!options.resolver.empty()) {
    auto server = resolver::parse_server_address(options.resolver, port);
    if (!server)
      return core::fail(fmt::format("--resolver {}: {}", options.resolver, server.error().message));
    config.servers.push_back(*server);
    return config;
  }
  auto servers = resolver::read_resolv_conf(options.resolv_conf, port);
  if (!servers)
    return core::fail(fmt::format("no --resolver given and {}", servers.error().message));
  config.servers = std::move(*servers);
  return config;
}

}  // namespace mxkit::cli
