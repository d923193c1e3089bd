// The TOML configuration of `mxkit serve --config FILE` (documented in docs/config.md).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include <toml++/toml.h>

#include "auth/server.hpp"
#include "cli/serve_console.hpp"
#include "cli/serve_mail.hpp"
#include "core/result.hpp"

namespace mxkit::cli {

struct ServeConfig {
  bool has_dns = false;  // a [dns] section
  auth::ServerOptions dns;
  std::vector<auth::ZoneSource> zones;
  std::optional<MailOptions> mail;  // a [smtp] section
  std::optional<ConsoleOptions> console;  // a [console] section
};

// Reads and checks the whole file; an error names FILE:LINE:COL and the key. Zone file paths
// are relative to the configuration file's folder.
core::Result<ServeConfig> load_serve_config(const std::filesystem::path& file);

// The [smtp] section (serve_config_smtp.cpp); paths relative to the file's folder.
core::Result<MailOptions> read_smtp_section(const std::filesystem::path& file,
                                            const toml::table& smtp);

}  // namespace mxkit::cli
