// The console's DNS side inside `mxkit serve` (issue 13): with --dns-listen beside
// --console-listen, the console's zones are served by the same process's DnsServer — every
// zone of the store at start, each commit after (DnsPublisher) — zones given as files are
// read-only in the API, and the API gains /propagation and /check.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/server.hpp"
#include "console/api.hpp"
#include "console/dns_publisher.hpp"
#include "console/propagation.hpp"
#include "console/zone_report.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::cli {

// The origins of the zones given as files or secondaries ("example.test."): read-only in the
// console (ApiOptions::read_only_zones).
std::vector<std::string> read_only_zone_names(const std::vector<auth::ZoneSource>& zones);

// Where the console's zones keep their IXFR journals: --journal-dir when given, else
// CONSOLE_DATA/journal (a store in PostgreSQL has no data directory: memory only then).
std::filesystem::path console_journal_dir(const auth::ServerOptions& dns,
                                          const std::string& console_data);

// Per authoritative server: the NS addresses asked on the DNS role's port (the first
// --dns-listen: 53 in production, a test port in tests), the --notify targets as secondaries,
// out-of-zone NS names looked up through `resolver` when serve has resolver options.
console::PropagationOptions propagation_options(const auth::ServerOptions& dns,
                                                std::optional<resolver::ResolverConfig> resolver);

// The Test button: plans and reports printed as `mxkit route --json` / `mxkit check --json`.
console::ZoneReportOptions report_options(std::optional<resolver::ResolverConfig> resolver);

// With `publisher` (a DnsPublisher over the DNS role, made before the Api that commits through
// it): publishes every zone of the store (logging any that fail) and adds the DNS endpoints
// to `api`.
void attach_console_dns(console::ZonePublisher& publisher, const auth::ServerOptions& dns,
                        console::Store& store, console::Api& api,
                        std::optional<resolver::ResolverConfig> resolver);

}  // namespace mxkit::cli
