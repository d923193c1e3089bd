// The console role of `mxkit serve` (issue 13): the HTTP JSON API over the console store,
// beside or without the DNS and mail roles (docs/console.md, docs/config.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "core/result.hpp"

namespace mxkit::console {
class Api;
class HttpServer;
class Store;
}  // namespace mxkit::console

namespace mxkit::cli {

struct ConsoleOptions {
  std::string listen;        // ADDRESS:PORT
  std::string data;          // --console-data DIR (the SQLite store lives here)
  std::string db;            // --console-db URI: another store (postgresql://…) instead
  std::string api_key_file;  // one key per line
  std::string tls_cert, tls_key;
  std::vector<std::string> default_ns;  // NS of a new empty zone when the request gives none
  std::size_t max_body = 1 << 20;
  double rate = 200;  // requests per second per client
};

// The command-line options; `given` is set when any of them is used.
void add_console_options(CLI::App& serve, ConsoleOptions& options);
bool console_options_given(const CLI::App& serve);

// The [console] section of the TOML file; paths relative to the file's folder.
core::Result<ConsoleOptions> read_console_section(const std::filesystem::path& file,
                                                  const toml::table& console);

// Everything checkable before binding: the listen address, the key file (read), the TLS pair,
// the store's location. A failure is a usage error (exit 2). Returns a summary for
// --check-config.
core::Result<std::string> check_console_options(const ConsoleOptions& options);

class ConsoleService {
 public:
  explicit ConsoleService(ConsoleOptions options);
  ~ConsoleService();
  core::Result<void> start();  // opens the store, binds, serves on its own threads
  void stop();

 private:
  ConsoleOptions options_;
  std::unique_ptr<console::Store> store_;
  std::unique_ptr<console::Api> api_;
  std::unique_ptr<console::HttpServer> http_;
};

}  // namespace mxkit::cli
