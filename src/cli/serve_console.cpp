#include "cli/serve_console.hpp"

#include <charconv>

#include <fmt/format.h>

#include "cli/serve_console_dns.hpp"
#include "cli/toml_fields.hpp"
#include "console/api.hpp"
#include "console/http_server.hpp"
#include "console/sessions.hpp"
#include "console/store.hpp"
#include "console/target_lookup.hpp"
#include "console/ui_http.hpp"
#include "core/log.hpp"

namespace mxkit::cli {
namespace {

constexpr const char* kNames[] = {"--console-listen", "--console-data",     "--console-db",
                                  "--api-key-file",   "--console-tls-cert", "--console-tls-key",
                                  "--console-ns"};

// "127.0.0.1:8053", "[::1]:8053" → host and port.
core::Result<std::pair<std::string, std::uint16_t>> split_listen(const std::string& text) {
  std::string host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string::npos)
      return core::fail(fmt::format("\"{}\": expected ADDRESS:PORT ([::1]:8053 for IPv6)", text));
    host = text.substr(1, close - 1);
    port_text = std::string_view(text).substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || text.find(':') != colon)
      return core::fail(fmt::format("\"{}\": expected ADDRESS:PORT ([::1]:8053 for IPv6)", text));
    host = text.substr(0, colon);
    port_text = std::string_view(text).substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
    return core::fail(fmt::format("\"{}\": the port must be a number from 0 to 65535", text));
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

core::Result<void> read_string(const std::filesystem::path& file, const toml::table& table,
                               std::string_view key, std::string& target, bool is_path) {
  const toml::node* n = table.get(key);
  if (!n) return {};
  auto text = n->value<std::string>();
  if (!n->is_string() || !text || text->empty())
    return core::fail(fmt::format("{}: {} must be a non-empty string", where(file, *n), key));
  target = *text;
  if (is_path && std::filesystem::path(target).is_relative())
    target = (file.parent_path() / target).string();
  return {};
}

}  // namespace

void add_console_options(CLI::App& serve, ConsoleOptions& o) {
  serve.add_option("--console-listen", o.listen,
                   "Address of the management console's HTTP API, ADDRESS:PORT (docs/console.md)");
  serve.add_option("--console-data", o.data,
                   "Folder of the console's SQLite store (console.db), created when missing");
  serve.add_option("--console-db", o.db,
                   "The console's store as a URI instead (postgresql://…, several primaries)");
  serve.add_option("--api-key-file", o.api_key_file,
                   "File of API keys for the console, one per line (X-API-Key)");
  serve.add_option("--console-tls-cert", o.tls_cert, "PEM certificate: the console speaks HTTPS");
  serve.add_option("--console-tls-key", o.tls_key, "PEM private key of --console-tls-cert");
  serve.add_option("--console-ns", o.default_ns,
                   "Name server a new empty zone gets when the request names none (repeatable)");
}

bool console_options_given(const CLI::App& serve) {
  for (const char* name : kNames)
    if (serve.count(name) > 0) return true;
  return false;
}

core::Result<ConsoleOptions> read_console_section(const std::filesystem::path& file,
                                                  const toml::table& table) {
  if (auto r = only_known_keys(file, table, "console",
                               {"listen", "data", "db", "api_key_file", "tls_cert", "tls_key", "ns",
                                "max_body", "rate_limit", "resolver", "root_hints", "dns_port"});
      !r)
    return tl::unexpected(r.error());
  ConsoleOptions o;
  for (auto [key, target, is_path] :
       {std::tuple{"listen", &o.listen, false}, std::tuple{"data", &o.data, true},
        std::tuple{"db", &o.db, false}, std::tuple{"api_key_file", &o.api_key_file, true},
        std::tuple{"tls_cert", &o.tls_cert, true}, std::tuple{"tls_key", &o.tls_key, true}})
    if (auto r = read_string(file, table, key, *target, is_path); !r)
      return tl::unexpected(r.error());
  auto any = [](std::string_view t) -> core::Result<std::string> { return std::string(t); };
  if (auto r = read_strings(file, table, "ns", "names", any, o.default_ns); !r)
    return tl::unexpected(r.error());
  if (auto r = read_integer(file, table, "max_body", 1024, 64 << 20, o.max_body); !r)
    return tl::unexpected(r.error());
  std::int64_t rate = 200;
  if (auto r = read_integer(file, table, "rate_limit", 1, 100000, rate); !r)
    return tl::unexpected(r.error());
  o.rate = static_cast<double>(rate);
  ResolverOptions resolver;
  if (auto r = read_string(file, table, "resolver", resolver.resolver, false); !r)
    return tl::unexpected(r.error());
  if (auto r = read_string(file, table, "root_hints", resolver.root_hints, true); !r)
    return tl::unexpected(r.error());
  std::int64_t dns_port = 0;
  if (auto r = read_integer(file, table, "dns_port", 1, 65535, dns_port); !r)
    return tl::unexpected(r.error());
  resolver.dns_port = static_cast<std::uint16_t>(dns_port);
  if (!resolver.resolver.empty() || !resolver.root_hints.empty()) o.resolver = resolver;
  if (o.listen.empty())
    return core::fail(fmt::format("{}: [console] needs listen = \"ADDRESS:PORT\"", file.string()));
  return o;
}

core::Result<std::string> check_console_options(const ConsoleOptions& o) {
  if (o.listen.empty()) return core::fail("the console needs --console-listen ADDRESS:PORT");
  auto listen = split_listen(o.listen);
  if (!listen) return core::fail("--console-listen " + listen.error().message);
  if (o.data.empty() == o.db.empty())
    return core::fail("the console needs its store: --console-data DIR or --console-db URI (one)");
  if (!o.db.empty() && !o.db.starts_with("postgresql://") && !o.db.starts_with("postgres://"))
    return core::fail(fmt::format("--console-db {}: expected a postgresql:// URI", "(given)"));
  if (o.api_key_file.empty()) return core::fail("the console needs --api-key-file FILE");
  auto keys = console::read_api_keys(o.api_key_file);
  if (!keys) return core::fail("--api-key-file " + keys.error().message);
  if (o.resolver)
    if (auto config = make_resolver_config(*o.resolver); !config)
      return core::fail("the console's resolver: " + config.error().message);
  if (o.tls_cert.empty() != o.tls_key.empty())
    return core::fail("the console's TLS needs both --console-tls-cert and --console-tls-key");
  for (const auto* f : {&o.tls_cert, &o.tls_key})
    if (!f->empty() && !std::filesystem::exists(*f)) return core::fail(*f + ": no such file");
  // The store's location, never the URI itself: it may carry a password.
  return fmt::format("console {}://{} ({} API key(s), store {})\n",
                     o.tls_cert.empty() ? "http" : "https", o.listen, keys->size(),
                     o.db.empty() ? "sqlite in " + o.data : "postgresql");
}

ConsoleService::ConsoleService(ConsoleOptions options) : options_(std::move(options)) {}
ConsoleService::~ConsoleService() { stop(); }

core::Result<void> ConsoleService::start() {
  auto keys = console::read_api_keys(options_.api_key_file);
  if (!keys) return tl::unexpected(keys.error());
  auto store = console::open_store(options_.db.empty() ? options_.data : options_.db);
  if (!store) return core::fail("console store: " + store.error().message);
  store_ = std::move(*store);
  console::ApiOptions api_options;
  api_options.api_keys = std::move(*keys);
  api_options.default_ns = options_.default_ns;
  api_options.read_only_zones = read_only_zones_;
  // With serve's resolver options, targets outside the zone are looked up before a save.
  if (resolver_)
    api_options.look_up_targets = [config = *resolver_](const std::vector<std::string>& names) {
      return console::look_up_targets(config, names);
    };
  // The web UI logs in with the same keys and then uses the session cookie on /api/v1.
  sessions_ = std::make_unique<console::Sessions>(*store_, api_options.api_keys);
  if (dns_server_) publisher_ = std::make_unique<console::DnsPublisher>(*dns_server_);
  api_ = std::make_unique<console::Api>(*store_, publisher_.get(), std::move(api_options));
  api_->set_session_authenticator(console::session_authenticator(*sessions_));
  // The store's zones served before the API takes a request, so a restart answers for them
  // from the first query on.
  if (dns_server_) attach_console_dns(*publisher_, *dns_options_, *store_, *api_, resolver_);
  if (configure_) configure_(*api_);
  auto listen = split_listen(options_.listen);
  if (!listen) return core::fail("--console-listen " + listen.error().message);
  console::HttpServerOptions http;
  http.host = listen->first;
  http.port = listen->second;
  http.max_body = options_.max_body;
  http.per_second = options_.rate;
  http.burst = options_.rate * 2;
  http.tls_cert = options_.tls_cert;
  http.tls_key = options_.tls_key;
  http.other = console::ui_handler(*sessions_, !options_.tls_cert.empty());
  auto server = console::HttpServer::start(*api_, std::move(http));
  if (!server) return tl::unexpected(server.error());
  http_ = std::move(*server);
  // The port actually bound (":0" asks for any), for tests and operators alike.
  core::log_line("mxkit", fmt::format("console listening on {}:{}", listen->first, http_->port()));
  return {};
}

void ConsoleService::serve_zones_with(auth::DnsServer& server, const auth::ServerOptions& dns,
                                      std::vector<std::string> read_only,
                                      std::optional<resolver::ResolverConfig> resolver) {
  resolver_ = std::move(resolver);
  dns_server_ = &server;
  dns_options_ = &dns;
  read_only_zones_ = std::move(read_only);
}

void ConsoleService::stop() {
  if (http_) http_->stop();
  http_.reset();
  api_.reset();
  sessions_.reset();
  publisher_.reset();
  store_.reset();
}

}  // namespace mxkit::cli
