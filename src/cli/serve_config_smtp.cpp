// The [smtp] section of `mxkit serve --config FILE` (docs/config.md): the same settings as the
// SMTP command-line options, every key checked, unknown keys refused with FILE:LINE:COL.
#include <initializer_list>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "cli/serve_config.hpp"
#include "cli/toml_fields.hpp"

namespace mxkit::cli {

namespace {

// A string key, or nothing; anything else names its place.
core::Result<void> read_string(const std::filesystem::path& file, const toml::table& table,
                               std::string_view key, std::string& target) {
  const toml::node* n = table.get(key);
  if (!n) return {};
  auto text = n->value<std::string>();
  if (!n->is_string() || !text || text->empty())
    return core::fail(fmt::format("{}: {} must be a non-empty string", where(file, *n), key));
  target = *text;
  return {};
}

// A path key, relative to the configuration file's folder.
core::Result<void> read_path(const std::filesystem::path& file, const toml::table& table,
                             std::string_view key, std::filesystem::path& target) {
  std::string text;
  if (auto r = read_string(file, table, key, text); !r) return r;
  if (text.empty()) return {};
  target = text;
  if (target.is_relative()) target = file.parent_path() / target;
  return {};
}

core::Result<std::string> any_text(std::string_view text) { return std::string(text); }

}  // namespace

core::Result<MailOptions> read_smtp_section(const std::filesystem::path& file,
                                            const toml::table& smtp) {
  if (auto r = only_known_keys(file, smtp, "smtp",
                               {"listen", "hostname", "spool", "maildir_root", "local_domains",
                                "mailboxes", "aliases", "relay_from", "tls_cert", "tls_key",
                                "max_message_size", "max_recipients", "max_connections", "timeout",
                                "arrival_backlog", "arrival_backlog_bytes",
                                "check_sender_domain", "resolver", "root_hints", "dns_port",
                                // the delivering side (issue 9)
                                "smtp_port", "self", "routes", "relayhost", "retry_base",
                                "retry_max", "queue_lifetime", "delay_warning", "connect_timeout",
                                "greeting_timeout", "command_timeout", "data_init_timeout",
                                "data_block_timeout", "data_end_timeout", "log_smtp_transcript"});
      !r)
    return tl::unexpected(r.error());
  MailOptions o;
  for (auto r :
       {read_strings(file, smtp, "listen", "\"ADDRESS:PORT\" strings", any_text, o.listen),
        read_strings(file, smtp, "local_domains", "domain names", any_text, o.local_domains),
        read_strings(file, smtp, "mailboxes", "addresses", any_text, o.mailboxes),
        read_strings(file, smtp, "aliases", "\"ADDRESS=ADDRESS[,ADDRESS]\" strings", any_text,
                     o.aliases),
        read_strings(file, smtp, "relay_from", "addresses or prefixes", any_text, o.relay_from),
        read_strings(file, smtp, "self", "names or addresses", any_text, o.delivery.self),
        read_strings(file, smtp, "routes", "\"DOMAIN=HOST[:PORT]\" strings", any_text,
                     o.delivery.routes)})
    if (!r) return tl::unexpected(r.error());
  for (auto r :
       {read_string(file, smtp, "hostname", o.hostname), read_path(file, smtp, "spool", o.spool),
        read_path(file, smtp, "maildir_root", o.maildir_root),
        read_path(file, smtp, "tls_cert", o.tls_cert), read_path(file, smtp, "tls_key", o.tls_key),
        read_string(file, smtp, "resolver", o.resolver.resolver),
        read_string(file, smtp, "root_hints", o.resolver.root_hints),
        read_string(file, smtp, "relayhost", o.delivery.relayhost)})
    if (!r) return tl::unexpected(r.error());
  if (!o.resolver.root_hints.empty() && std::filesystem::path(o.resolver.root_hints).is_relative())
    o.resolver.root_hints = (file.parent_path() / o.resolver.root_hints).string();
  for (auto r : {read_integer(file, smtp, "max_message_size", 1024, std::int64_t{1} << 40,
                              o.max_message_size),
                 read_integer(file, smtp, "max_recipients", 1, 100000, o.max_recipients),
                 read_integer(file, smtp, "max_connections", 1, 1000000, o.max_connections),
                 read_integer(file, smtp, "arrival_backlog", 0, 10000000, o.arrival_backlog),
                 read_integer(file, smtp, "arrival_backlog_bytes", 0, std::int64_t{1} << 40,
                              o.arrival_backlog_bytes),
                 read_integer(file, smtp, "timeout", 1, 3600, o.timeout_seconds),
                 read_integer(file, smtp, "dns_port", 1, 65535, o.resolver.dns_port),
                 read_integer(file, smtp, "smtp_port", 1, 65535, o.delivery.smtp_port)})
    if (!r) return tl::unexpected(r.error());
  // Durations: "30s", "5m", "4h", "5d" (checked with the rest below).
  for (auto& [key, target] : std::initializer_list<std::pair<const char*, std::string*>>{
           {"retry_base", &o.delivery.retry_base},
           {"retry_max", &o.delivery.retry_max},
           {"queue_lifetime", &o.delivery.queue_lifetime},
           {"delay_warning", &o.delivery.delay_warning},
           {"connect_timeout", &o.delivery.connect_timeout},
           {"greeting_timeout", &o.delivery.greeting_timeout},
           {"command_timeout", &o.delivery.command_timeout},
           {"data_init_timeout", &o.delivery.data_init_timeout},
           {"data_block_timeout", &o.delivery.data_block_timeout},
           {"data_end_timeout", &o.delivery.data_end_timeout}}) {
    if (auto r = read_string(file, smtp, key, *target); !r) return tl::unexpected(r.error());
    if (const toml::node* n = smtp.get(key); n && !parse_duration(*target))
      return core::fail(fmt::format("{}: {} {}", where(file, *n), key,
                                    parse_duration(*target).error().message));
  }
  if (const toml::node* n = smtp.get("log_smtp_transcript")) {
    if (!n->is_boolean())
      return core::fail(
          fmt::format("{}: log_smtp_transcript must be true or false", where(file, *n)));
    o.delivery.log_transcript = *n->value<bool>();
  }
  if (const toml::node* n = smtp.get("check_sender_domain")) {
    if (!n->is_boolean())
      return core::fail(
          fmt::format("{}: check_sender_domain must be true or false", where(file, *n)));
    o.check_sender_domain = *n->value<bool>();
  }
  // What the command line would refuse, refused here with the file's name.
  auto checked = make_smtp_options(o);
  if (checked) {
    auto policy = make_policy_config(o);
    if (!policy)
      checked = tl::unexpected(policy.error());
    else if (auto made = mta::AcceptancePolicy::make(*policy); !made)
      checked = tl::unexpected(made.error());
  }
  if (!checked)
    return core::fail(fmt::format("{}: [smtp]: {}", file.string(), checked.error().message));
  return o;
}

}  // namespace mxkit::cli
