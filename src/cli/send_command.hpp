// `mxkit send [--server HOST:PORT] --from ADDR --to ADDR... [FILE|-]`: submit one message.
#pragma once

#include <CLI/CLI.hpp>

namespace mxkit::cli {

void add_send_command(CLI::App& app, int& exit_code);

}  // namespace mxkit::cli
