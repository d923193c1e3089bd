// `mxkit dig [@SERVER] [-p PORT] NAME [TYPE] [CLASS] [+options]`: dig-compatible queries and
// output, +trace from the roots.
#pragma once

#include <CLI/CLI.hpp>

namespace mxkit::cli {

void add_dig_command(CLI::App& app, int& exit_code);

}  // namespace mxkit::cli
