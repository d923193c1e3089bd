// `mxkit serve --check-config`: read the options or the configuration and every zone as
// `serve` would, print what would be served, and exit 0 (good) or 1, without listening.
#pragma once

#include <vector>

#include "auth/server.hpp"

namespace mxkit::cli {

// Loads every zone file (a secondary's kept copy too, when it exists) and prints the listen
// addresses, the zones with their serials and the transfer settings; errors go to stderr.
int check_serve_config(const auth::ServerOptions& options,
                       const std::vector<auth::ZoneSource>& zones);

}  // namespace mxkit::cli
