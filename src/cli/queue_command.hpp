// `mxkit queue list|show|delete|flush|retry`: the spool as an operator sees it (read-only
// while a server runs) and the server's control socket for changes.
#pragma once

#include <CLI/CLI.hpp>

namespace mxkit::cli {

void add_queue_command(CLI::App& app, int& exit_code);

}  // namespace mxkit::cli
