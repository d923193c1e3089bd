// `mxkit check DOMAIN`: the domain health report (issue 12, docs/checks.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "checks/report.hpp"

namespace mxkit::cli {

void add_check_command(CLI::App& app, int& exit_code);

// The report as JSON (docs/json.md) and as text (grouped by area, errors first, a summary
// line last). Exposed for tests and for `mxkit demo`.
nlohmann::json check_report_json(const checks::Report& report);
std::string check_report_text(const checks::Report& report);

}  // namespace mxkit::cli
