// `mxkit spf IP DOMAIN`: the RFC 7208 check_host() result for a client address and a domain,
// with the explanation and the trace of mechanisms and DNS lookups behind it.
#pragma once

#include <CLI/CLI.hpp>

namespace mxkit::cli {

void add_spf_command(CLI::App& app, int& exit_code);

}  // namespace mxkit::cli
