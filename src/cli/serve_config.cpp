// Reading `mxkit serve` configuration with toml++; every key is checked, unknown keys are errors
// (a typo must not silently fall back to a default).
#include "cli/serve_config.hpp"

#include <set>
#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace mxkit::cli {

namespace {

std::string where(const std::filesystem::path& file, const toml::node& node) {
  const auto& source = node.source();
  return fmt::format("{}:{}:{}", file.string(), source.begin.line, source.begin.column);
}

core::Result<void> only_known_keys(const std::filesystem::path& file, const toml::table& table,
                                   std::string_view section, std::set<std::string_view> known) {
  for (const auto& [key, value] : table)
    if (!known.contains(key.str()))
      return core::fail(fmt::format("{}: unknown key \"{}\" in [{}]", where(file, value), key.str(), section));
  return {};
}

template <class T>
core::Result<T> integer(const std::filesystem::path& file, const toml::node& node, std::string_view key,
                        std::int64_t min, std::int64_t max) {
  auto v = node.value<std::int64_t>();
  if (!node.is_integer() || !v || *v < min || *v > max)
    return core::fail(fmt::format("{}: {} must be a whole number from {} to {}", where(file, node), key, min, max));
  return static_cast<T>(*v);
}

}  // namespace

core::Result<ServeConfig> load_serve_config(const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    const auto& source = e.source();
    return core::fail(fmt::format("{}:{}:{}: {}", file.string(), source.begin.line, source.begin.column,
                                  e.description()));
  }
  ServeConfig config;
  if (auto r = only_known_keys(file, root, "top level", {"dns"}); !r) return tl::unexpected(r.error());
  const toml::table* dns = root["dns"].as_table();
  if (!dns) return core::fail(fmt::format("{}: no [dns] section: nothing to serve", file.string()));
  if (auto r = only_known_keys(file, *dns, "dns",
                               {"listen", "workers", "rotate_addresses", "max_udp_payload",
                                "tcp_idle_timeout", "max_tcp_connections", "allow_transfer", "notify", "rate_limit",
                                "rate_limit_slip", "zone"});
      !r)
    return tl::unexpected(r.error());

  const toml::node* listen = dns->get("listen");
  const toml::array* addresses = listen ? listen->as_array() : nullptr;
  if (!addresses || addresses->empty())
    return core::fail(fmt::format("{}: [dns] listen must be a list of \"ADDRESS:PORT\" strings",
                                  listen ? where(file, *listen) : file.string()));
  for (const auto& item : *addresses) {
    auto text = item.value<std::string>();
    if (!text) return core::fail(fmt::format("{}: listen addresses are strings", where(file, item)));
    auto address = auth::parse_listen_address(*text);
    if (!address) return core::fail(fmt::format("{}: listen: {}", where(file, item), address.error().message));
    config.dns.listen.push_back(*address);
  }
  if (const auto* n = dns->get("workers")) {
    auto v = integer<std::size_t>(file, *n, "workers", 1, 64);
    if (!v) return tl::unexpected(v.error());
    config.dns.workers = *v;
  }
  if (const auto* n = dns->get("rotate_addresses")) {
    if (!n->is_boolean()) return core::fail(fmt::format("{}: rotate_addresses must be true or false", where(file, *n)));
    config.dns.answer.rotate_addresses = *n->value<bool>();
  }
  if (const auto* n = dns->get("max_udp_payload")) {
    auto v = integer<std::uint16_t>(file, *n, "max_udp_payload", 512, 65535);
    if (!v) return tl::unexpected(v.error());
    config.dns.answer.max_udp_payload = *v;
  }
  if (const auto* n = dns->get("tcp_idle_timeout")) {
    auto v = integer<std::int64_t>(file, *n, "tcp_idle_timeout (seconds)", 1, 3600);
    if (!v) return tl::unexpected(v.error());
    config.dns.tcp_idle_timeout = std::chrono::seconds(*v);
  }
  if (const auto* n = dns->get("max_tcp_connections")) {
    auto v = integer<std::size_t>(file, *n, "max_tcp_connections", 1, 100000);
    if (!v) return tl::unexpected(v.error());
    config.dns.max_tcp_connections = *v;
  }
  if (const auto* n = dns->get("allow_transfer")) {
    const toml::array* list = n->as_array();
    if (!list) return core::fail(fmt::format("{}: allow_transfer must be a list of addresses or prefixes", where(file, *n)));
    for (const auto& item : *list) {
      auto text = item.value<std::string>();
      auto prefix = text ? auth::AddressPrefix::parse(*text) : core::Result<auth::AddressPrefix>(core::fail("not a string"));
      if (!prefix) return core::fail(fmt::format("{}: allow_transfer: {}", where(file, item), prefix.error().message));
      config.dns.transfer_allow.push_back(*prefix);
    }
  }
  if (const auto* n = dns->get("rate_limit")) {
    auto v = integer<std::uint32_t>(file, *n, "rate_limit (responses per second; 0 is off)", 0, 1000000);
    if (!v) return tl::unexpected(v.error());
    config.dns.rate_limit.responses_per_second = *v;
  }
  if (const auto* n = dns->get("rate_limit_slip")) {
    auto v = integer<std::uint32_t>(file, *n, "rate_limit_slip", 0, 10);
    if (!v) return tl::unexpected(v.error());
    config.dns.rate_limit.slip = *v;
  }
  if (const auto* n = dns->get("notify")) {
    const toml::array* list = n->as_array();
    if (!list) return core::fail(fmt::format("{}: notify must be a list of \"ADDRESS[:PORT]\" strings", where(file, *n)));
    for (const auto& item : *list) {
      auto text = item.value<std::string>();
      auto address = text ? auth::parse_listen_address(*text) : core::Result<auth::ListenAddress>(core::fail("not a string"));
      if (!address) return core::fail(fmt::format("{}: notify: {}", where(file, item), address.error().message));
      config.dns.notify.push_back({address->host, address->port});
    }
  }
  const toml::node* zones = dns->get("zone");
  const toml::array* list = zones ? zones->as_array() : nullptr;
  if (!list || list->empty())
    return core::fail(fmt::format("{}: no [[dns.zone]]: nothing to serve", file.string()));
  const auto folder = file.parent_path();
  for (const auto& item : *list) {
    const toml::table* zone = item.as_table();
    if (!zone) return core::fail(fmt::format("{}: [[dns.zone]] entries are tables", where(file, item)));
    if (auto r = only_known_keys(file, *zone, "dns.zone", {"origin", "file"}); !r) return tl::unexpected(r.error());
    auto origin_text = (*zone)["origin"].value<std::string>();
    auto path = (*zone)["file"].value<std::string>();
    if (!origin_text || !path)
      return core::fail(fmt::format("{}: a zone needs origin = \"NAME\" and file = \"PATH\"", where(file, item)));
    std::string absolute = *origin_text;
    if (absolute.empty() || absolute.back() != '.') absolute.push_back('.');
    auto origin = dns::Name::from_text(absolute);
    if (!origin)
      return core::fail(fmt::format("{}: origin \"{}\": {}", where(file, *zone->get("origin")), *origin_text,
                                    origin.error().message));
    std::filesystem::path zone_file = *path;
    if (zone_file.is_relative()) zone_file = folder / zone_file;
    config.zones.push_back({*origin, zone_file});
  }
  return config;
}

}  // namespace mxkit::cli
