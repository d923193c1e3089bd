// `mxkit route ADDRESS|DOMAIN`: the delivery plan for a domain and the lookups behind it.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "routing/plan.hpp"

namespace mxkit::cli {

void add_route_command(CLI::App& app, int& exit_code);

// The domain of "user@domain", of "<user@domain>" or of a bare "domain", with the local part
// checked as RFC 5321 §4.1.2 writes it (dot-string or quoted string). Address literals
// ("user@[192.0.2.1]") need no routing and are refused, as is anything not a domain name.
// Exposed for tests.
core::Result<std::string> domain_of_address(std::string_view text);

// A plan as `mxkit route --json` prints it (docs/json.md), `input` as the user gave it; `mxkit
// check` reports its MX area with it.
nlohmann::json route_plan_json(const routing::DeliveryPlan& plan, const std::string& input);

}  // namespace mxkit::cli
