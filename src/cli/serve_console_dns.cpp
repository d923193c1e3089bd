// The console's DNS side in `mxkit serve` (serve_console_dns.hpp).
#include "cli/serve_console_dns.hpp"

#include <fmt/format.h>

#include "cli/check_command.hpp"
#include "cli/route_command.hpp"
#include "console/dns_endpoints.hpp"
#include "core/log.hpp"

namespace mxkit::cli {

std::vector<std::string> read_only_zone_names(const std::vector<auth::ZoneSource>& zones) {
  std::vector<std::string> names;
  for (const auto& z : zones) names.push_back(z.origin.lowercase().to_text());
  return names;
}

std::filesystem::path console_journal_dir(const auth::ServerOptions& dns,
                                          const std::string& console_data) {
  if (!dns.journal_dir.empty()) return dns.journal_dir;
  if (console_data.empty()) return {};
  return std::filesystem::path(console_data) / "journal";
}

console::PropagationOptions propagation_options(const auth::ServerOptions& dns,
                                                std::optional<resolver::ResolverConfig> resolver) {
  console::PropagationOptions options;
  if (!dns.listen.empty()) options.ns_port = dns.listen.front().port;
  for (const auto& target : dns.notify) options.secondaries.push_back({target.host, target.port});
  options.resolver = std::move(resolver);
  return options;
}

console::ZoneReportOptions report_options(std::optional<resolver::ResolverConfig> resolver) {
  console::ZoneReportOptions options;
  // --dns-port: the name servers `mxkit check` asks directly are asked on it too, as
  // `mxkit check --dns-port` does.
  if (resolver && resolver->port_override) options.check.probe.dns_port = *resolver->port_override;
  options.resolver = std::move(resolver);
  options.plan_json = [](const routing::DeliveryPlan& plan, const std::string& input) {
    return route_plan_json(plan, input);
  };
  options.report_json = [](const checks::Report& report) { return check_report_json(report); };
  return options;
}

void attach_console_dns(console::ZonePublisher& publisher, const auth::ServerOptions& dns,
                        console::Store& store, console::Api& api,
                        std::optional<resolver::ResolverConfig> resolver) {
  std::vector<std::string> failures;
  auto published = console::publish_all(store, publisher, failures);
  if (!published)
    core::log_line("mxkit serve", published.error().message);
  else
    core::log_line("mxkit serve", fmt::format("console: {} zone{} published to the DNS role",
                                              *published, *published == 1 ? "" : "s"));
  for (const auto& failure : failures)
    core::log_line("mxkit serve", "console: not served: " + failure);
  console::add_dns_endpoints(
      api, std::make_shared<console::PropagationTracker>(propagation_options(dns, resolver)),
      report_options(resolver));
}

}  // namespace mxkit::cli
