// `mxkit demo [--json] [--keep] [--step-delay MS]`: the whole story on one machine: a root, a
// TLD and a domain served by mxkit on loopback, the MX lookup from the root down, and a message
// failing over from the primary MX (down) to the backup, then an equal-preference split and a
// null-MX bounce. Every process it starts is stopped and every file removed at the end, also on
// Ctrl-C and on failure.
#pragma once

#include <CLI/CLI.hpp>

namespace mxkit::cli {

void add_demo_command(CLI::App& app, int& exit_code);

}  // namespace mxkit::cli
