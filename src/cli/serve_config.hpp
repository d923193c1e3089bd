// The TOML configuration of `mxkit serve --config FILE` (documented in docs/config.md).
#pragma once

#include <filesystem>
#include <vector>

#include "auth/server.hpp"
#include "core/result.hpp"

namespace mxkit::cli {

struct ServeConfig {
  auth::ServerOptions dns;
  std::vector<auth::ZoneSource> zones;
};

// Reads and checks the whole file; an error names FILE:LINE:COL and the key. Zone file paths
// are relative to the configuration file's folder.
core::Result<ServeConfig> load_serve_config(const std::filesystem::path& file);

}  // namespace mxkit::cli
