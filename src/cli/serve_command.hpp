// `mxkit serve`: the long-running roles (today the authoritative DNS server).
#pragma once

#include <CLI/CLI.hpp>

namespace mxkit::cli {

void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace mxkit::cli
