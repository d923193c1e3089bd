// POST /api/v1/zones: a new zone, either empty (an SOA and NS records, from the request or the
// serve options) or imported from BIND-format text. Validated like any save.
#include <fmt/format.h>

#include "console/api.hpp"
#include "console/api_json.hpp"
#include "console/records.hpp"

namespace mxkit::console {
namespace {

using api_json::error;
using api_json::json;
using api_json::respond;

// RFC 1912 §2.2's advice for the SOA timers: refresh an hour, retry 15 minutes, expire two
// weeks, negative-caching TTL (RFC 2308) five minutes.
constexpr std::string_view kSoaTimers = "3600 900 1209600 300";

tl::expected<std::vector<std::string>, ApiResponse> string_list(const json& body,
                                                                const char* field) {
  std::vector<std::string> out;
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array())
    return tl::unexpected(
        error(400, fmt::format("\"{}\" must be an array of names", field), field));
  for (const auto& v : *it) {
    if (!v.is_string())
      return tl::unexpected(
          error(400, fmt::format("\"{}\" must be an array of names", field), field));
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

ApiResponse Api::create_zone(const ApiRequest& request, const Principal& who) {
  auto body = api_json::parse_object(request.body);
  if (!body) return body.error();
  if (auto bad = api_json::unknown_field(
          *body, {"name", "zone_text", "ns", "soa_mname", "soa_rname", "ttl", "accept_warnings"}))
    return *bad;
  auto name_text = api_json::string_field(*body, "name");
  if (!name_text) return name_text.error();
  if (!*name_text) return error(400, "\"name\" is missing", "name");
  auto name = parse_zone_name(**name_text);
  if (!name) return error(400, name.error().message, "name");
  const std::string zone = name->to_text();
  if (is_read_only(zone)) return read_only_zone(zone, "POST", false);
  auto accept = api_json::bool_field(*body, "accept_warnings");
  if (!accept) return accept.error();
  auto text = api_json::string_field(*body, "zone_text");
  if (!text) return text.error();
  auto ns = string_list(*body, "ns");
  if (!ns) return ns.error();
  auto mname = api_json::string_field(*body, "soa_mname");
  if (!mname) return mname.error();
  auto rname = api_json::string_field(*body, "soa_rname");
  if (!rname) return rname.error();
  auto ttl = api_json::integer_field(*body, "ttl");
  if (!ttl) return ttl.error();

  std::vector<Record> records;
  std::uint32_t serial = next_serial(0, options_.today());
  Findings found;
  if (*text) {
    for (const char* f : {"ns", "soa_mname", "soa_rname", "ttl"})
      if (body->contains(f))
        return error(400, fmt::format("\"{}\" does not go with \"zone_text\"", f), f);
    auto imported = records_from_zone_text(**text, *name);
    if (!imported) {
      ++refused_;
      found.errors.push_back(Finding{
          imported.error().code, imported.error().message, imported.error().field, {}, {}, {}});
      return api_json::refused(found);
    }
    records = std::move(*imported);
    // The zone keeps its serial (a secondary may hold it already); 0 becomes today's first.
    for (auto& r : records)
      if (r.type == "SOA") {
        if (auto s = soa_serial(r.value); s && *s != 0)
          serial = *s;
        else
          r.value = soa_with_serial(r.value, serial);
      }
  } else {
    if (ns->empty()) *ns = options_.default_ns;
    if (ns->empty())
      return error(400, "give the zone's name servers, \"ns\": [\"ns1.example.net.\"]", "ns");
    const std::string m =
        mname->value_or(options_.soa_mname.empty() ? ns->front() : options_.soa_mname);
    const std::string r =
        rname->value_or(options_.soa_rname.empty() ? "hostmaster." + zone : options_.soa_rname);
    std::vector<RecordDraft> drafts;
    drafts.push_back(
        {0, zone, *ttl, "SOA", {}, fmt::format("{} {} {} {}", m, r, serial, kSoaTimers)});
    for (const auto& n : *ns) drafts.push_back({0, zone, *ttl, "NS", {}, n});
    for (const auto& d : drafts) {
      auto checked = check_draft(d, *name);
      if (!checked) {
        auto f = checked.error();
        if (d.type == "SOA" && f.field == "value") f.field = m == ns->front() ? "ns" : "soa_mname";
        if (d.type == "NS" && f.field == "value") f.field = "ns";
        found.errors.push_back(std::move(f));
        continue;
      }
      records.push_back(*checked);
    }
    if (!found.errors.empty()) {
      ++refused_;
      return api_json::refused(found);
    }
  }
  // An import's targets outside the zone are looked up as a change's are (ApiOptions).
  TargetAddresses looked_up;
  if (options_.look_up_targets)
    if (auto wanted = outside_targets(*name, records); !wanted.empty())
      looked_up = options_.look_up_targets(wanted);
  found = check_zone_records(*name, records, options_.look_up_targets ? &looked_up : nullptr);
  if (!found.errors.empty() || (!found.warnings.empty() && !*accept)) {
    ++refused_;
    return api_json::refused(found);
  }

  const auto lock = zone_lock(zone);
  std::lock_guard guard(*lock);
  const json detail = {{"source", *text ? "zone_text" : "empty"}, {"records", records.size()}};
  AuditEntry audit{0, zone,   {},           who.actor, *text ? "import-zone" : "create-zone",
                   0, serial, detail.dump()};
  auto made = store_.create_zone(Zone{zone, serial, {}, {}}, records, audit);
  if (!made) return store_error(made.error(), "name");
  ++commits_;
  publish(*made);
  return respond(201, {{"zone", api_json::zone(*made)},
                       {"records", records.size()},
                       {"warnings", api_json::findings(found.warnings)},
                       {"notices", api_json::findings(found.notices)}});
}

}  // namespace mxkit::console
