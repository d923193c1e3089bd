// `mxkit serve --check-config`: read the options or the configuration and every zone as
// `serve` would, print what would be served, and exit 0 (good) or 1, without listening.
#pragma once

#include <vector>

#include "auth/server.hpp"
#include "cli/serve_mail.hpp"

namespace mxkit::cli {

// The DNS role (when `dns` and `zones` are given): loads every zone file (a secondary's kept copy
// too, when it exists) and prints the listen addresses, the zones with their serials and the
// transfer settings. The mail role (when `mail` is given): checks every SMTP and delivery option
// as `serve` would before binding, and prints what it would do. Errors go to stderr.
int check_serve_config(const auth::ServerOptions* dns, const std::vector<auth::ZoneSource>* zones,
                       const MailOptions* mail);

}  // namespace mxkit::cli
