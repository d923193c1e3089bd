// The JSON shapes of the console API (docs/json.md, "Console"): records, findings, zones, and
// the strict reading of request bodies (unknown fields and wrong types are 400s naming the field).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "console/api.hpp"
#include "console/validate.hpp"

namespace mxkit::console::api_json {

using nlohmann::json;

json record(const Record& r);
json finding(const Finding& f);
json findings(const std::vector<Finding>& list);
json zone(const Zone& z);

ApiResponse respond(int status, const json& body);
ApiResponse error(int status, std::string message, std::string field = {});
// 422: the save was refused by validation (errors, or warnings not accepted).
ApiResponse refused(const Findings& found);
}  // namespace mxkit::console::api_json

namespace mxkit::console {
// A store failure as a response: not_found → 404, conflict → 409 (naming `field`), else 500.
ApiResponse store_error(const StoreError& e, const char* field = "zone");
}  // namespace mxkit::console

namespace mxkit::console::api_json {

// The body as a JSON object; malformed JSON or another JSON value is a 400.
tl::expected<json, ApiResponse> parse_object(std::string_view body);
// A 400 naming the first member of `object` not in `allowed`.
std::optional<ApiResponse> unknown_field(const json& object,
                                         std::initializer_list<std::string_view> allowed);

// Typed members; absent → nullopt, wrong type → 400 naming `field`.
tl::expected<std::optional<std::string>, ApiResponse> string_field(const json& object,
                                                                   const char* field);
tl::expected<std::optional<std::int64_t>, ApiResponse> integer_field(const json& object,
                                                                     const char* field);
tl::expected<bool, ApiResponse> bool_field(const json& object, const char* field);

// A record's fields ("name", "ttl", "type", "priority", "value"; "id" when `id_allowed`), with
// `extra` members allowed beside them (read by the caller).
tl::expected<RecordDraft, ApiResponse> draft(const json& object,
                                             std::initializer_list<std::string_view> allowed);

}  // namespace mxkit::console::api_json
