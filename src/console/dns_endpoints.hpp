// The DNS side's endpoints of the console API (docs/console.md): GET
// /api/v1/zones/{zone}/propagation and POST /api/v1/zones/{zone}/check (the Test button),
// added to the API's router as zone endpoints.
#pragma once

#include <memory>

#include "console/api.hpp"
#include "console/propagation.hpp"
#include "console/zone_report.hpp"

namespace mxkit::console {

void add_dns_endpoints(Api& api, std::shared_ptr<PropagationTracker> propagation,
                       ZoneReportOptions report);

}  // namespace mxkit::console
