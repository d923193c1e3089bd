// The Test button (POST /api/v1/zones/{zone}/check): the zone checks of `mxkit zone check`
// (src/dns/zonecheck) and the MX route plan (RFC 5321 §5.1, RFC 7505) over the console's
// records, and, when `mxkit serve` has resolver options, the `mxkit check` report for the zone
// (src/checks/report.hpp). Findings are JSON as docs/json.md gives them for `mxkit check`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/finding.hpp"
#include "checks/report.hpp"
#include "console/store.hpp"
#include "resolver/resolver.hpp"
#include "routing/plan.hpp"
#include "routing/planner.hpp"

namespace mxkit::console {

struct ZoneReportOptions {
  // Set: `mxkit check` runs for the zone through this resolver (SMTP probes as `check`).
  std::optional<resolver::ResolverConfig> resolver;
  checks::CheckOptions check;
  routing::RoutingOptions routing;
  // How `mxkit route --json` and `mxkit check --json` print a plan and a report (src/cli gives
  // them: the console does not include the command-line layer). Unset: "mx" and "report" null.
  std::function<nlohmann::json(const routing::DeliveryPlan&, const std::string&)> plan_json;
  std::function<nlohmann::json(const checks::Report&)> report_json;
};

// The zone checks over the records as findings (area "zone"); each finding about a record has
// it as subject ("mail.example.test. MX (record 12)") and its id in `record_ids` at the same
// index (0 when the finding is about the zone as a whole).
std::vector<checks::Finding> zone_findings(const std::string& zone,
                                           const std::vector<Record>& records,
                                           std::vector<std::int64_t>& record_ids);

// The route plan for mail to the zone's apex, with lookups answered from the records alone
// (names outside the zone: a temporary failure saying so).
routing::DeliveryPlan zone_route_plan(const std::string& zone, const std::vector<Record>& records,
                                      const routing::RoutingOptions& options);

// {zone, serial, findings: [{code, severity, area, subject, message, rfc, fix, record_id}],
//  summary: {errors, warnings, notices, info}, status, mx, report}
nlohmann::json zone_report_json(const Zone& zone, const std::vector<Record>& records,
                                const ZoneReportOptions& options);

}  // namespace mxkit::console
