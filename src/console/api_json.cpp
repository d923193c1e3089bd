#include "console/api_json.hpp"

#include <limits>

#include <fmt/format.h>

namespace mxkit::console::api_json {

json record(const Record& r) {
  json out = {{"id", r.id}, {"name", r.name}, {"ttl", r.ttl}, {"type", r.type}};
  // The article's columns: a priority for MX and SRV only, null elsewhere.
  out["priority"] = r.priority ? json(*r.priority) : json(nullptr);
  out["value"] = r.value;
  return out;
}

json finding(const Finding& f) {
  json out = {{"code", f.code}, {"message", f.message}, {"field", f.field}};
  if (f.record) out["record"] = record(*f.record);
  if (f.change) out["change"] = *f.change;
  return out;
}

json findings(const std::vector<Finding>& list) {
  json out = json::array();
  for (const auto& f : list) out.push_back(finding(f));
  return out;
}

json zone(const Zone& z) {
  return {{"name", z.name},
          {"serial", z.serial},
          {"created_at", z.created_at},
          {"updated_at", z.updated_at}};
}

ApiResponse respond(int status, const json& body) {
  ApiResponse r;
  r.status = status;
  // Invalid UTF-8 from a client (a value we echo) is replaced, never thrown on.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

ApiResponse error(int status, std::string message, std::string field) {
  json body = {{"error", std::move(message)}};
  body["field"] = field.empty() ? json(nullptr) : json(std::move(field));
  return respond(status, body);
}

ApiResponse refused(const Findings& found) {
  json body;
  if (!found.errors.empty()) {
    body["error"] =
        fmt::format("the change has {} error(s); nothing was saved", found.errors.size());
    body["field"] = found.errors.front().field;
  } else {
    body["error"] = fmt::format(
        "the change has {} warning(s); nothing was saved: repeat it with \"accept_warnings\": "
        "true to save anyway",
        found.warnings.size());
    body["field"] = found.warnings.empty() ? json(nullptr) : json(found.warnings.front().field);
  }
  body["errors"] = findings(found.errors);
  body["warnings"] = findings(found.warnings);
  body["notices"] = findings(found.notices);
  return respond(422, body);
}

tl::expected<json, ApiResponse> parse_object(std::string_view body) {
  // No exceptions out of the parser: a depth-bombed or broken body is a 400 like any other.
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return tl::unexpected(error(400, "the body is not valid JSON"));
  if (!parsed.is_object()) return tl::unexpected(error(400, "the body must be a JSON object"));
  return parsed;
}

std::optional<ApiResponse> unknown_field(const json& object,
                                         std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) return error(400, fmt::format("unknown field \"{}\"", key), key);
  }
  return std::nullopt;
}

tl::expected<std::optional<std::string>, ApiResponse> string_field(const json& object,
                                                                   const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string())
    return tl::unexpected(error(400, fmt::format("\"{}\" must be a string", field), field));
  return it->get<std::string>();
}

tl::expected<std::optional<std::int64_t>, ApiResponse> integer_field(const json& object,
                                                                     const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) {
    // Beyond int64: out of every range we check, which reports it as such.
    const auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::numeric_limits<std::int64_t>::max();
    return static_cast<std::int64_t>(u);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  return tl::unexpected(error(400, fmt::format("\"{}\" must be a whole number", field), field));
}

tl::expected<bool, ApiResponse> bool_field(const json& object, const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return false;
  if (!it->is_boolean())
    return tl::unexpected(error(400, fmt::format("\"{}\" must be true or false", field), field));
  return it->get<bool>();
}

tl::expected<RecordDraft, ApiResponse> draft(const json& object,
                                             std::initializer_list<std::string_view> allowed) {
  if (auto bad = unknown_field(object, allowed)) return tl::unexpected(*bad);
  RecordDraft d;
  for (const char* f : {"name", "type", "value"}) {
    auto s = string_field(object, f);
    if (!s) return tl::unexpected(s.error());
    if (!*s) return tl::unexpected(error(400, fmt::format("\"{}\" is missing", f), f));
    (f[0] == 'n' ? d.name : f[0] == 't' ? d.type : d.value) = **s;
  }
  auto ttl = integer_field(object, "ttl");
  if (!ttl) return tl::unexpected(ttl.error());
  d.ttl = *ttl;
  auto priority = integer_field(object, "priority");
  if (!priority) return tl::unexpected(priority.error());
  d.priority = *priority;
  auto id = integer_field(object, "id");
  if (!id) return tl::unexpected(id.error());
  d.id = id->value_or(0);
  return d;
}

}  // namespace mxkit::console::api_json
