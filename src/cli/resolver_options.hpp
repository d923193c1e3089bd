// The options every resolving command shares (--resolver, --root-hints, --dns-port, --timeout)
// and the resolver configuration they make.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "core/result.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::cli {

struct ResolverOptions {
  std::string resolver;                          // IP[:PORT]: stub mode through this server
  std::string root_hints;                        // FILE: iterative mode from these roots
  std::uint16_t dns_port = 0;                    // 0: 53
  unsigned timeout_ms = 0;                       // 0: the default
  std::string resolv_conf = "/etc/resolv.conf";  // where stub mode finds servers without --resolver
};

// Adds --resolver IP[:PORT], --root-hints FILE, --dns-port N, --timeout MS to a subcommand.
void add_resolver_options(CLI::App& command, ResolverOptions& options);

// Stub from --resolver (or /etc/resolv.conf), iterative with --root-hints; errors name the
// option. In stub mode --dns-port is the port of a server given without one (an explicit
// --resolver IP:PORT wins); in iterative mode it is the port of every query sent.
core::Result<resolver::ResolverConfig> make_resolver_config(const ResolverOptions& options);

}  // namespace mxkit::cli
