// The Test button's report (zone_report.hpp).
#include "console/zone_report.hpp"

#include <algorithm>
#include <random>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "auth/answer.hpp"
#include "checks/mx_checks.hpp"
#include "checks/zone_checks.hpp"
#include "console/zone_build.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"
#include "dns/zonecheck/zonecheck.hpp"
#include "resolver/query.hpp"

namespace mxkit::console {

namespace {

nlohmann::json finding_json(const checks::Finding& f, std::int64_t record_id) {
  return {{"code", f.code},
          {"severity", checks::severity_name(f.severity)},
          {"area", f.area},
          {"subject", f.subject},
          {"message", f.message},
          {"rfc", f.rfc},
          {"fix", f.fix},
          {"record_id", record_id == 0 ? nlohmann::json(nullptr) : nlohmann::json(record_id)}};
}

// A lookup answered by our authoritative answer function over the zone (RFC 1034 §4.3.2), as
// a resolver would return it: CNAMEs followed inside the zone.
routing::LookupResult lookup_in(const auth::ZoneSet& zones, const routing::LookupRequest& request) {
  routing::LookupResult result;
  result.source = "the console's records";
  auto query = resolver::make_query(request.name, request.type, false, 0);
  auto wire = dns::build_message(query);
  std::vector<std::uint8_t> out(dns::kMaxMessageSize);
  const auto answered =
      wire ? auth::answer_query(zones, *wire, out, true, {}) : auth::AnswerResult{};
  auto reply = dns::parse_message({out.data(), answered.size});
  if (answered.size == 0 || !reply) {
    result.detail = "no answer from the zone";
    return result;
  }
  if (reply->header.rcode == 5) {  // REFUSED: not in the zone
    result.detail = fmt::format(
        "{} is outside the zone: not looked up by the Test button without "
        "resolver options",
        request.name.to_text());
    return result;
  }
  for (const auto& r : reply->answer) {
    if (r.type == dns::rrtype::CNAME && request.type != dns::rrtype::CNAME)
      result.cnames.push_back(r);
    else if (r.type == request.type)
      result.records.push_back(r);
  }
  for (const auto& r : reply->authority)
    if (r.type == dns::rrtype::SOA) result.ttl = r.ttl;
  if (!result.records.empty()) {
    result.status = routing::LookupStatus::Answer;
    result.ttl = result.records.front().ttl;
  } else if (reply->header.rcode == 3) {
    result.status = routing::LookupStatus::NxDomain;
  } else if (reply->header.rcode == 0) {
    // A CNAME leaving the zone ends here: the rest would need a resolver.
    if (!result.cnames.empty()) {
      result.detail = "a CNAME leads outside the zone: not followed without resolver options";
      return result;
    }
    result.status = routing::LookupStatus::NoData;
  } else {
    result.detail = fmt::format("the zone answered rcode {}", reply->header.rcode);
  }
  return result;
}

}  // namespace

std::vector<checks::Finding> zone_findings(const std::string& zone,
                                           const std::vector<Record>& records,
                                           std::vector<std::int64_t>& record_ids) {
  record_ids.clear();
  std::vector<checks::Finding> out;
  auto origin = dns::Name::from_text(zone);
  auto parsed = parse_records(zone, records);
  if (!origin || !parsed) {
    checks::Finding f;
    f.code = "bad-zone";
    f.severity = checks::Severity::error;
    f.area = "zone";
    f.subject = zone;
    f.message = origin ? parsed.error().message : origin.error().message;
    out.push_back(std::move(f));
    record_ids.push_back(0);
    return out;
  }
  auto diagnostics = parsed->diagnostics;
  auto checked = dns::zonecheck::check_zone(parsed->table, origin->wire(), true, "console:" + zone);
  diagnostics.insert(diagnostics.end(), checked.begin(), checked.end());
  for (auto& f : checks::diagnostic_findings(diagnostics)) out.push_back(std::move(f));
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    const auto line = diagnostics[i].line;
    std::int64_t id = 0;
    if (line >= 1 && line <= records.size()) {
      const auto& r = records[line - 1];
      id = r.id;
      out[i].subject = r.id ? fmt::format("{} {} (record {})", r.name, r.type, r.id)
                            : fmt::format("{} {}", r.name, r.type);
    } else {
      out[i].subject = zone;
    }
    record_ids.push_back(id);
  }
  return out;
}

routing::DeliveryPlan zone_route_plan(const std::string& zone, const std::vector<Record>& records,
                                      const routing::RoutingOptions& options) {
  auto origin = dns::Name::from_text(zone);
  auth::ZoneSet zones;
  if (auto built = build_zone(zone, records)) zones.add(*built);
  std::mt19937_64 rng(1);  // equal preferences in a fixed order: the same report every press
  return routing::plan_route(origin ? *origin : dns::Name(), options, rng,
                             [&](const routing::LookupRequest& r) { return lookup_in(zones, r); });
}

nlohmann::json zone_report_json(const Zone& zone, const std::vector<Record>& records,
                                const ZoneReportOptions& options) {
  std::vector<std::int64_t> ids;
  auto findings = zone_findings(zone.name, records, ids);
  auto plan = zone_route_plan(zone.name, records, options.routing);
  const std::size_t zone_count = findings.size();
  for (auto& f : checks::check_mx(plan)) {
    // A code the zone checks gave already is said once, where it names the record.
    if (std::any_of(findings.begin(), findings.begin() + static_cast<std::ptrdiff_t>(zone_count),
                    [&](const checks::Finding& z) { return z.code == f.code; }))
      continue;
    findings.push_back(std::move(f));
    ids.push_back(0);
  }
  nlohmann::json report = nullptr;
  if (options.resolver) {
    if (auto origin = dns::Name::from_text(zone.name)) {
      asio::io_context io(1);
      resolver::Resolver resolver(io.get_executor(), *options.resolver);
      std::mt19937_64 rng(std::random_device{}());
      std::optional<checks::Report> done;
      // The lambda outlives its coroutine (which reads its captures through it).
      auto task = [&]() -> asio::awaitable<void> {
        done = co_await checks::run_checks(resolver, *origin, options.check, rng);
      };
      asio::co_spawn(io, task(), asio::detached);
      io.run();
      if (done) {
        // The report's own findings join the list, except the zone and MX areas the console
        // has found from its records already (the published zone gives the same ones).
        for (const auto& f : done->findings)
          if (f.area != "zone" && f.area != "mx") {
            findings.push_back(f);
            ids.push_back(0);
          }
        if (options.report_json) report = options.report_json(*done);
      }
    }
  }
  // Sorted as `mxkit check` sorts, the record ids moved with their findings.
  std::vector<checks::Finding> sorted = findings;
  checks::sort_findings(sorted);
  nlohmann::json list = nlohmann::json::array();
  std::vector<bool> used(findings.size(), false);
  std::size_t counts[4] = {};
  for (const auto& f : sorted) {
    std::size_t at = 0;
    while (at < findings.size() &&
           (used[at] || findings[at].code != f.code || findings[at].subject != f.subject ||
            findings[at].message != f.message))
      ++at;
    std::int64_t id = 0;
    if (at < findings.size()) {
      used[at] = true;
      id = ids[at];
    }
    list.push_back(finding_json(f, id));
    ++counts[static_cast<int>(f.severity)];
  }
  return {{"zone", zone.name},
          {"serial", zone.serial},
          {"findings", list},
          {"summary",
           {{"errors", counts[0]},
            {"warnings", counts[1]},
            {"notices", counts[2]},
            {"info", counts[3]}}},
          {"status", checks::exit_status(sorted)},
          {"mx", options.plan_json ? options.plan_json(plan, zone.name) : nlohmann::json(nullptr)},
          {"report", report}};
}

}  // namespace mxkit::console
