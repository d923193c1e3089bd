// The zone endpoints: list, create (empty or from zone text), show, delete, export, the record
// listing with its filters, and the audit log.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "console/api.hpp"
#include "console/api_json.hpp"
#include "console/records.hpp"
#include "core/ascii.hpp"

namespace mxkit::console {
namespace {

using api_json::error;
using api_json::json;
using api_json::respond;

}  // namespace

ApiResponse store_error(const StoreError& e, const char* field) {
  switch (e.kind) {
    case StoreFailure::not_found: return error(404, e.message, field);
    case StoreFailure::conflict: return error(409, e.message, field);
    case StoreFailure::error: break;
  }
  return error(500, "the store failed: " + e.message);
}

namespace {

// A query parameter as a whole number in [low, high]; `fallback` when absent.
tl::expected<std::int64_t, ApiResponse> query_number(const ApiRequest& request, const char* name,
                                                     std::int64_t fallback, std::int64_t low,
                                                     std::int64_t high) {
  const auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return fallback;
  std::int64_t value = 0;
  const auto& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    return tl::unexpected(error(
        400, fmt::format("\"{}\" must be a whole number from {} to {}", name, low, high), name));
  return value;
}

std::string lower(std::string_view text) { return core::ascii_lower(text); }

}  // namespace

ApiResponse Api::list_zones() {
  auto zones = store_.list_zones();
  if (!zones) return store_error(zones.error());
  json list = json::array();
  for (const auto& z : *zones) list.push_back(api_json::zone(z));
  return respond(200, {{"zones", list}});
}

ApiResponse Api::get_zone(const std::string& zone) {
  auto z = store_.get_zone(zone);
  if (!z) return store_error(z.error());
  auto records = store_.records(zone);
  if (!records) return store_error(records.error());
  json list = json::array();
  for (const auto& r : *records) list.push_back(api_json::record(r));
  return respond(200, {{"zone", api_json::zone(*z)}, {"records", list}});
}

ApiResponse Api::export_zone(const std::string& zone) {
  auto z = store_.get_zone(zone);
  if (!z) return store_error(z.error());
  auto records = store_.records(zone);
  if (!records) return store_error(records.error());
  ApiResponse r;
  r.body = export_zone_text(*z, *records);
  r.content_type = "text/dns";  // RFC 4027's media type for zone files
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"{}zone\"", z->name));
  return r;
}

ApiResponse Api::delete_zone(const std::string& zone, const Principal& who) {
  const auto lock = zone_lock(zone);
  std::lock_guard guard(*lock);
  auto z = store_.get_zone(zone);
  if (!z) return store_error(z.error());
  AuditEntry audit{0, zone, {}, who.actor, "delete-zone", z->serial, z->serial, "{}"};
  if (auto r = store_.delete_zone(zone, audit); !r) return store_error(r.error());
  ++commits_;
  if (publisher_) publisher_->withdraw(zone);
  return respond(200, {{"deleted", zone}});
}

ApiResponse Api::list_records(const ApiRequest& request, const std::string& zone) {
  auto page = query_number(request, "page", 1, 1, 1000000000);
  if (!page) return page.error();
  auto per_page = query_number(request, "per_page", 50, 1, 1000);
  if (!per_page) return per_page.error();
  auto z = store_.get_zone(zone);
  if (!z) return store_error(z.error());
  auto records = store_.records(zone);
  if (!records) return store_error(records.error());
  // name: a part of the owner name (case-insensitive; "@" is the apex); type: the exact type.
  std::string name_filter, type_filter;
  if (auto it = request.query.find("name"); it != request.query.end())
    name_filter = lower(it->second);
  if (auto it = request.query.find("type"); it != request.query.end())
    type_filter = lower(it->second);
  std::vector<const Record*> matching;
  for (const auto& r : *records) {
    if (name_filter == "@" ? r.name != zone
                           : !name_filter.empty() && r.name.find(name_filter) == std::string::npos)
      continue;
    if (!type_filter.empty() && lower(r.type) != type_filter) continue;
    matching.push_back(&r);
  }
  json list = json::array();
  const auto first = static_cast<std::size_t>((*page - 1) * *per_page);
  for (std::size_t i = first;
       i < matching.size() && i < first + static_cast<std::size_t>(*per_page); ++i)
    list.push_back(api_json::record(*matching[i]));
  return respond(200, {{"zone", zone},
                       {"serial", z->serial},
                       {"total", matching.size()},
                       {"page", *page},
                       {"per_page", *per_page},
                       {"records", list}});
}

ApiResponse Api::get_audit(const ApiRequest& request, const std::string& zone) {
  auto limit = query_number(request, "limit", 100, 1, 1000);
  if (!limit) return limit.error();
  auto before = query_number(request, "before", 0, 0, std::numeric_limits<std::int64_t>::max());
  if (!before) return before.error();
  // The log outlives the zone: a deleted zone's history stays readable.
  auto entries = store_.audit(zone, static_cast<std::size_t>(*limit), *before);
  if (!entries) return store_error(entries.error());
  json list = json::array();
  for (const auto& e : *entries) {
    json detail = json::parse(e.detail, nullptr, false);
    if (detail.is_discarded()) detail = e.detail;
    list.push_back({{"id", e.id},
                    {"at", e.at},
                    {"actor", e.actor},
                    {"action", e.action},
                    {"serial_before", e.serial_before},
                    {"serial_after", e.serial_after},
                    {"detail", detail}});
  }
  json body = {{"zone", zone}, {"entries", list}};
  body["next_before"] = entries->size() == static_cast<std::size_t>(*limit) && !entries->empty()
                            ? json(entries->back().id)
                            : json(nullptr);
  return respond(200, body);
}

}  // namespace mxkit::console
