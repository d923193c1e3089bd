// The console role of `mxkit serve` (issue 13): the HTTP JSON API over the console store,
// beside or without the DNS and mail roles (docs/console.md, docs/config.md).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "cli/resolver_options.hpp"
#include "core/result.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::auth {
class DnsServer;
struct ServerOptions;
}  // namespace mxkit::auth

namespace mxkit::console {
class Api;
class ZonePublisher;
class HttpServer;
class Sessions;
class Store;
class ZonePublisher;
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
  // --resolver/--root-hints/--dns-port given without an SMTP role (which has them otherwise), or
  // resolver/root_hints/dns_port in [console]: validation looks up targets outside the zone,
  // the Test button runs `mxkit check`, /propagation looks up NS names.
  std::optional<ResolverOptions> resolver;
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
  // Before start(): a hook run on the API before it serves (more endpoints). Where saved zones
  // go is serve_zones_with's (the DNS role of this process; without it: saved only).
  void on_api(std::function<void(console::Api&)> configure) { configure_ = std::move(configure); }
  core::Result<void> start();  // opens the store, binds, serves on its own threads
  void stop();

  // Before start(): the console's zones are served by `server` (serve_console_dns.hpp), which
  // must outlive the service; `read_only` are the zones given as files or secondaries.
  // With `resolver` (serve's --resolver/--root-hints), the Test button adds `mxkit check`'s
  // report, /propagation looks up NS names the zone has no address for, and validation looks
  // up MX/NS/SRV targets outside the zone before a save (console/target_lookup.hpp).
  void serve_zones_with(auth::DnsServer& server, const auth::ServerOptions& dns,
                        std::vector<std::string> read_only,
                        std::optional<resolver::ResolverConfig> resolver = std::nullopt);

 private:
  ConsoleOptions options_;
  std::function<void(console::Api&)> configure_;
  std::unique_ptr<console::Store> store_;
  std::unique_ptr<console::Api> api_;
  std::unique_ptr<console::Sessions> sessions_;  // the web UI's logins
  std::unique_ptr<console::HttpServer> http_;
  auth::DnsServer* dns_server_ = nullptr;
  const auth::ServerOptions* dns_options_ = nullptr;
  std::vector<std::string> read_only_zones_;
  std::optional<resolver::ResolverConfig> resolver_;
  std::unique_ptr<console::ZonePublisher> publisher_;
};

}  // namespace mxkit::cli
