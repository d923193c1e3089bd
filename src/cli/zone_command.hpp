// `mxkit zone check` and `mxkit zone print`.
#pragma once

#include <CLI/CLI.hpp>

namespace mxkit::cli {

void add_zone_command(CLI::App& app, int& exit_code);

}  // namespace mxkit::cli
