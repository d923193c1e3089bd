// /propagation and /check over the store's records (dns_endpoints.hpp).
#include "console/dns_endpoints.hpp"

#include <nlohmann/json.hpp>

namespace mxkit::console {

namespace {

ApiResponse json_response(int status, const nlohmann::json& body) {
  ApiResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

}  // namespace

void add_dns_endpoints(Api& api, std::shared_ptr<PropagationTracker> propagation,
                       ZoneReportOptions report) {
  Api* router = &api;
  // Every publish starts a watch of the zone's servers: caught_up_at without anyone polling.
  api.on_publish([propagation](const Zone& zone, const std::vector<Record>& records) {
    propagation->watch(zone, records);
  });
  api.add_zone_endpoint(
      "GET", "propagation",
      [router, propagation](const ApiRequest&, const Zone& zone, const Principal&) {
        auto records = router->store().records(zone.name);
        if (!records) return json_response(500, {{"error", records.error().message}});
        return json_response(200, propagation->status_json(zone, *records));
      });
  auto options = std::make_shared<const ZoneReportOptions>(std::move(report));
  api.add_zone_endpoint("POST", "check",
                        [router, options](const ApiRequest&, const Zone& zone, const Principal&) {
                          auto records = router->store().records(zone.name);
                          if (!records)
                            return json_response(500, {{"error", records.error().message}});
                          return json_response(200, zone_report_json(zone, *records, *options));
                        });
}

}  // namespace mxkit::console
