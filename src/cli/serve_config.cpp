// Reading `mxkit serve` configuration with toml++; every key is checked, unknown keys are errors
// (a typo must not silently fall back to a default).
#include "cli/serve_config.hpp"

#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "cli/toml_fields.hpp"

namespace mxkit::cli {

namespace {

// [[dns.key]] tables: name, algorithm, secret (RFC 8945 keys, as BIND's key statement).
core::Result<void> read_keys(const std::filesystem::path& file, const toml::table& dns,
                             std::vector<dns::TsigKey>& keys) {
  const toml::node* node = dns.get("key");
  if (!node) return {};
  const toml::array* list = node->as_array();
  if (!list) return core::fail(fmt::format("{}: key must be [[dns.key]] tables", where(file, *node)));
  for (const auto& item : *list) {
    const toml::table* table = item.as_table();
    if (!table)
      return core::fail(fmt::format("{}: [[dns.key]] entries are tables", where(file, item)));
    if (auto r = only_known_keys(file, *table, "dns.key", {"name", "algorithm", "secret"}); !r)
      return tl::unexpected(r.error());
    auto name = (*table)["name"].value<std::string>();
    auto algorithm = (*table)["algorithm"].value<std::string>();
    auto secret = (*table)["secret"].value<std::string>();
    if (!name || !algorithm || !secret)
      return core::fail(fmt::format(
          "{}: a key needs name, algorithm (hmac-sha256, hmac-sha384 or hmac-sha512) and secret "
          "(Base64)",
          where(file, item)));
    auto key = dns::make_tsig_key(*name, *algorithm, *secret);
    if (!key) return core::fail(fmt::format("{}: {}", where(file, item), key.error().message));
    if (dns::find_tsig_key(keys, key->name.wire()))
      return core::fail(fmt::format("{}: key {} is defined twice", where(file, item), *name));
    keys.push_back(std::move(*key));
  }
  return {};
}

// A zone's key = "NAME" (one of the [[dns.key]]) and, for a secondary, allow_notify.
core::Result<void> read_zone_access(const std::filesystem::path& file, const toml::table& zone,
                                    const std::vector<dns::TsigKey>& keys,
                                    auth::ZoneSource& source) {
  if (const toml::node* k = zone.get("key")) {
    auto name = k->value<std::string>();
    auto key_name =
        name && !name->empty()
            ? dns::Name::from_text(name->back() == '.' ? *name : *name + ".")
            : core::Result<dns::Name>(core::fail("empty"));
    const dns::TsigKey* key = key_name ? dns::find_tsig_key(keys, key_name->wire()) : nullptr;
    if (!key)
      return core::fail(fmt::format("{}: key must name one of the [[dns.key]] tables",
                                    where(file, *k)));
    source.key = *key;
  }
  if (const toml::node* n = zone.get("allow_notify")) {
    if (source.primaries.empty())
      return core::fail(fmt::format("{}: allow_notify is for a secondary zone (with primary)",
                                    where(file, *n)));
    if (auto r = read_strings(file, zone, "allow_notify", "addresses or prefixes",
                              auth::AddressPrefix::parse, source.allow_notify);
        !r)
      return tl::unexpected(r.error());
  }
  return {};
}

}  // namespace

core::Result<ServeConfig> load_serve_config(const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    const auto& source = e.source();
    return core::fail(fmt::format("{}:{}:{}: {}", file.string(), source.begin.line,
                                  source.begin.column, e.description()));
  }
  ServeConfig config;
  if (auto r = only_known_keys(file, root, "top level", {"dns", "smtp", "console"}); !r)
    return tl::unexpected(r.error());
  if (const toml::node* smtp = root.get("smtp")) {
    if (!smtp->as_table())
      return core::fail(fmt::format("{}: smtp must be a [smtp] section", where(file, *smtp)));
    auto mail = read_smtp_section(file, *smtp->as_table());
    if (!mail) return tl::unexpected(mail.error());
    config.mail = std::move(*mail);
  }
  if (const toml::node* console = root.get("console")) {
    if (!console->as_table())
      return core::fail(fmt::format("{}: console must be a [console] section", where(file, *console)));
    auto options = read_console_section(file, *console->as_table());
    if (!options) return tl::unexpected(options.error());
    config.console = std::move(*options);
  }
  const toml::table* dns = root["dns"].as_table();
  if (!dns && (config.mail || config.console)) return config;
  if (!dns)
    return core::fail(fmt::format("{}: no [dns], [smtp] or [console] section: nothing to serve",
                                  file.string()));
  config.has_dns = true;
  if (auto r = only_known_keys(
          file, *dns, "dns",
          {"listen", "workers", "rotate_addresses", "max_udp_payload", "tcp_idle_timeout",
           "max_tcp_connections", "allow_transfer", "notify", "rate_limit", "rate_limit_slip",
           "journal_dir", "journal_changes", "journal_size", "zone", "key", "keep_going",
           "tcp_per_client", "zone_checks"});
      !r)
    return tl::unexpected(r.error());

  auto& d = config.dns;
  if (auto r = read_strings(file, *dns, "listen", "\"ADDRESS:PORT\" strings",
                            auth::parse_listen_address, d.listen);
      !r)
    return tl::unexpected(r.error());
  if (d.listen.empty())
    return core::fail(
        fmt::format("{}: [dns] listen must be a list of \"ADDRESS:PORT\" strings", file.string()));
  std::int64_t idle_seconds = 10;
  for (auto r :
       {read_integer(file, *dns, "workers", 1, 64, d.workers),
        read_integer(file, *dns, "max_udp_payload", 512, 65535, d.answer.max_udp_payload),
        read_integer(file, *dns, "tcp_idle_timeout", 1, 3600, idle_seconds),
        read_integer(file, *dns, "max_tcp_connections", 1, 100000, d.max_tcp_connections),
        read_integer(file, *dns, "tcp_per_client", 1, 100000, d.tcp_per_client),
        read_integer(file, *dns, "rate_limit", 0, 1000000, d.rate_limit.responses_per_second),
        read_integer(file, *dns, "rate_limit_slip", 0, 10, d.rate_limit.slip)})
    if (!r) return tl::unexpected(r.error());
  d.tcp_idle_timeout = std::chrono::seconds(idle_seconds);
  std::int64_t journal_mib = static_cast<std::int64_t>(d.journal.max_bytes >> 20);
  for (auto r : {read_integer(file, *dns, "journal_changes", 1, 100000, d.journal.max_changes),
                 read_integer(file, *dns, "journal_size", 1, 65536, journal_mib)})
    if (!r) return tl::unexpected(r.error());
  d.journal.max_bytes = static_cast<std::size_t>(journal_mib) << 20;
  if (const auto* n = dns->get("journal_dir")) {
    auto text = n->value<std::string>();
    if (!text || text->empty())
      return core::fail(fmt::format("{}: journal_dir must be a folder name", where(file, *n)));
    d.journal_dir = *text;
    if (d.journal_dir.is_relative()) d.journal_dir = file.parent_path() / d.journal_dir;
  }
  if (const auto* n = dns->get("zone_checks")) {
    auto text = n->value<std::string>();
    if (!text || (*text != "refuse" && *text != "warn"))
      return core::fail(
          fmt::format("{}: zone_checks must be \"refuse\" or \"warn\"", where(file, *n)));
    d.zone_checks = *text == "warn" ? auth::ZoneChecks::warn : auth::ZoneChecks::refuse;
  }
  if (const auto* n = dns->get("keep_going")) {
    if (!n->is_boolean())
      return core::fail(fmt::format("{}: keep_going must be true or false", where(file, *n)));
    d.keep_going = *n->value<bool>();
  }
  if (const auto* n = dns->get("rotate_addresses")) {
    if (!n->is_boolean())
      return core::fail(fmt::format("{}: rotate_addresses must be true or false", where(file, *n)));
    d.answer.rotate_addresses = *n->value<bool>();
  }
  if (auto r = read_strings(file, *dns, "allow_transfer", "addresses or prefixes",
                            auth::AddressPrefix::parse, d.transfer_allow);
      !r)
    return tl::unexpected(r.error());
  auto notify_target = [](std::string_view text) -> core::Result<auth::NotifyTarget> {
    auto address = auth::parse_listen_address(text);
    if (!address) return tl::unexpected(address.error());
    return auth::NotifyTarget{address->host, address->port};
  };
  if (auto r =
          read_strings(file, *dns, "notify", "\"ADDRESS[:PORT]\" strings", notify_target, d.notify);
      !r)
    return tl::unexpected(r.error());
  if (auto r = read_keys(file, *dns, d.tsig_keys); !r) return tl::unexpected(r.error());
  const toml::node* zones = dns->get("zone");
  const toml::array* list = zones ? zones->as_array() : nullptr;
  // With [console] the DNS role may start with no zone of its own: it serves the console's.
  if ((!list || list->empty()) && config.console && !zones) return config;
  if (!list || list->empty())
    return core::fail(fmt::format("{}: no [[dns.zone]]: nothing to serve", file.string()));
  const auto folder = file.parent_path();
  for (const auto& item : *list) {
    const toml::table* zone = item.as_table();
    if (!zone)
      return core::fail(fmt::format("{}: [[dns.zone]] entries are tables", where(file, item)));
    if (auto r = only_known_keys(file, *zone, "dns.zone",
                                 {"origin", "file", "primary", "key", "allow_notify"});
        !r)
      return tl::unexpected(r.error());
    auto origin_text = (*zone)["origin"].value<std::string>();
    auto path = (*zone)["file"].value<std::string>();
    // A secondary: primary = "ADDRESS:PORT" or a list of them, tried in order.
    std::vector<auth::ListenAddress> primaries;
    if (const toml::node* p = zone->get("primary")) {
      if (auto one = p->value<std::string>()) {
        auto address = auth::parse_listen_address(*one);
        if (!address)
          return core::fail(
              fmt::format("{}: primary: {}", where(file, *p), address.error().message));
        primaries.push_back(*address);
      } else if (auto r = read_strings(file, *zone, "primary", "\"ADDRESS:PORT\" strings",
                                       auth::parse_listen_address, primaries);
                 !r) {
        return tl::unexpected(r.error());
      }
      if (primaries.empty())
        return core::fail(fmt::format("{}: primary lists no address", where(file, *p)));
    }
    if (!origin_text || (!path && primaries.empty()))
      return core::fail(
          fmt::format("{}: a zone needs origin = \"NAME\" and file = \"PATH\" (or primary = "
                      "\"ADDRESS:PORT\" for a secondary)",
                      where(file, item)));
    std::string absolute = *origin_text;
    if (absolute.empty() || absolute.back() != '.') absolute.push_back('.');
    auto origin = dns::Name::from_text(absolute);
    if (!origin)
      return core::fail(fmt::format("{}: origin \"{}\": {}", where(file, *zone->get("origin")),
                                    *origin_text, origin.error().message));
    std::filesystem::path zone_file = path ? *path : std::string();
    if (!zone_file.empty() && zone_file.is_relative()) zone_file = folder / zone_file;
    config.zones.push_back({*origin, zone_file, std::move(primaries), where(file, item)});
    if (auto r = read_zone_access(file, *zone, d.tsig_keys, config.zones.back()); !r)
      return tl::unexpected(r.error());
  }
  return config;
}

}  // namespace mxkit::cli
