// `mxkit serve`: the authoritative DNS server (--dns-listen, --zone ...) and the mail server
// (--smtp-listen, --spool, ...), either or both in one process.
#include "cli/serve_command.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "auth/server.hpp"
#include "cli/serve_check.hpp"
#include "cli/serve_config.hpp"
#include "cli/serve_console.hpp"
#include "cli/serve_console_dns.hpp"
#include "cli/serve_mail.hpp"

namespace mxkit::cli {

namespace {

struct ServeOptions {
  std::string config;
  std::vector<std::string> listen;
  std::vector<std::string> zones;
  std::vector<std::string> allow_transfer;
  std::vector<std::string> notify;
  std::vector<std::string> secondaries;
  std::vector<std::string> tsig_keys, zone_keys, allow_notify;
  std::string journal_dir;
  std::size_t journal_changes = 100;
  std::size_t workers = 1;
  std::uint32_t rate_limit = 0;
  bool rotate = false;
  std::uint16_t max_udp_payload = 1232;
  MailOptions mail;
  bool mail_given = false;  // any SMTP option on the command line
  ConsoleOptions console;
  bool console_given = false;  // any console option on the command line
  bool check_config = false;  // --check-config: load and print, do not serve
  bool keep_going = false;    // --keep-going: serve the zones that load
  std::size_t tcp_per_client = 0;  // --tcp-per-client; 0: the default share
  std::string zone_checks;         // --zone-checks refuse|warn
};

// Runs the roles given until SIGINT or SIGTERM (or, with `check_only`, checks them and returns). With DNS, its server takes the signals (and
// SIGHUP reloads the zones); the mail role alone waits for them here.
int serve(std::optional<std::pair<auth::ServerOptions, std::vector<auth::ZoneSource>>> dns,
          std::optional<MailOptions> mail, std::optional<ConsoleOptions> console,
          bool check_only) {
  if (console) {
    // Checked before anything starts: a bad console option is a usage error (2).
    auto summary = check_console_options(*console);
    if (!summary) {
      std::fprintf(stderr, "mxkit serve: %s\n", summary.error().message.c_str());
      return 2;
    }
    if (check_only) std::fputs(summary->c_str(), stdout);
    if (check_only && !dns && !mail) return 0;
  }
  if (check_only)
    return check_serve_config(dns ? &dns->first : nullptr, dns ? &dns->second : nullptr,
                              mail ? &*mail : nullptr);
  std::unique_ptr<auth::DnsServer> dns_server;
  // With the console, the DNS role also serves the console's zones (serve_console_dns.hpp):
  // their journals beside the store, the zones of files read-only in the API.
  auth::ServerOptions dns_options;
  std::vector<std::string> file_zones;
  if (dns && console) {
    if (console->db.empty())
      dns->first.managed_journal_dir = console_journal_dir(dns->first, console->data);
    dns_options = dns->first;
    file_zones = read_only_zone_names(dns->second);
  }
  if (dns) {
    dns_server = std::make_unique<auth::DnsServer>(std::move(dns->first), std::move(dns->second));
    if (auto started = dns_server->start(); !started) {
      std::fprintf(stderr, "mxkit serve: %s\n", started.error().message.c_str());
      return 1;
    }
  }
  std::unique_ptr<MailService> mail_service;
  const ResolverOptions mail_resolver = mail ? mail->resolver : ResolverOptions{};
  if (mail) {
    mail_service = std::make_unique<MailService>(std::move(*mail));
    if (auto started = mail_service->start(); !started) {
      std::fprintf(stderr, "mxkit serve: %s\n", started.error().message.c_str());
      return 1;
    }
  }
  std::unique_ptr<ConsoleService> console_service;
  if (console) {
    const auto console_resolver = console->resolver;
    console_service = std::make_unique<ConsoleService>(std::move(*console));
    if (dns_server) {
      // The mail role's resolver options, when given, serve the console's checks too.
      std::optional<resolver::ResolverConfig> resolver;
      if (mail_service && (!mail_resolver.resolver.empty() || !mail_resolver.root_hints.empty())) {
        if (auto config = make_resolver_config(mail_resolver)) resolver = std::move(*config);
      } else if (console_resolver) {
        // Without the mail role: the console's own (--resolver/--root-hints, or [console]).
        if (auto config = make_resolver_config(*console_resolver)) resolver = std::move(*config);
      }
      console_service->serve_zones_with(*dns_server, dns_options, std::move(file_zones),
                                        std::move(resolver));
    }
    if (auto started = console_service->start(); !started) {
      std::fprintf(stderr, "mxkit serve: %s\n", started.error().message.c_str());
      return 1;
    }
  }
  if (dns_server) {
    dns_server->run();
  } else {
    asio::io_context control(1);
    asio::signal_set signals(control, SIGINT, SIGTERM);
    signals.async_wait([](const std::error_code& ec, int signal) {
      if (!ec) log_serve("stopping on signal " + std::to_string(signal));
    });
    control.run();
  }
  if (console_service) console_service->stop();
  if (mail_service) mail_service->stop();
  return 0;
}

// --tsig-key NAME:ALG:BASE64, --zone-key ORIGIN=KEY and --allow-notify ORIGIN=PREFIX.
core::Result<void> apply_tsig_options(const ServeOptions& o, auth::ServerOptions& options,
                                      std::vector<auth::ZoneSource>& zones) {
  for (const auto& text : o.tsig_keys) {
    auto key = dns::parse_tsig_key(text);
    if (!key) return core::fail("--tsig-key " + text + ": " + key.error().message);
    if (dns::find_tsig_key(options.tsig_keys, key->name.wire()))
      return core::fail("--tsig-key " + text + ": key " + key->name.to_text() + " given twice");
    options.tsig_keys.push_back(std::move(*key));
  }
  // ORIGIN=VALUE → the zone given with --zone or --secondary.
  auto zone_of = [&](const std::string& option, const std::string& text,
                     std::string& value) -> core::Result<auth::ZoneSource*> {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
      return core::fail(option + " " + text + ": expected ORIGIN=VALUE");
    std::string origin_text = text.substr(0, eq);
    if (origin_text.back() != '.') origin_text.push_back('.');
    auto origin = dns::Name::from_text(origin_text);
    if (!origin) return core::fail(option + " " + text + ": " + origin.error().message);
    value = text.substr(eq + 1);
    for (auto& z : zones)
      if (z.origin == *origin) return &z;
    return core::fail(option + " " + text + ": no --zone or --secondary for " + origin->to_text());
  };
  for (const auto& text : o.zone_keys) {
    std::string name;
    auto zone = zone_of("--zone-key", text, name);
    if (!zone) return tl::unexpected(zone.error());
    auto key_name = dns::Name::from_text(name.back() == '.' ? name : name + ".");
    const dns::TsigKey* key =
        key_name ? dns::find_tsig_key(options.tsig_keys, key_name->wire()) : nullptr;
    if (!key) return core::fail("--zone-key " + text + ": no --tsig-key named " + name);
    (*zone)->key = *key;
  }
  for (const auto& text : o.allow_notify) {
    std::string prefix_text;
    auto zone = zone_of("--allow-notify", text, prefix_text);
    if (!zone) return tl::unexpected(zone.error());
    if ((*zone)->primaries.empty())
      return core::fail("--allow-notify " + text + ": the zone is not a secondary");
    auto prefix = auth::AddressPrefix::parse(prefix_text);
    if (!prefix) return core::fail("--allow-notify " + text + ": " + prefix.error().message);
    (*zone)->allow_notify.push_back(*prefix);
  }
  return {};
}

int run_serve(const ServeOptions& o) {
  if (!o.config.empty()) {
    if (!o.listen.empty() || !o.zones.empty() || !o.allow_transfer.empty() || !o.notify.empty() ||
        !o.secondaries.empty() || !o.journal_dir.empty() || !o.tsig_keys.empty() ||
        !o.zone_keys.empty() || !o.allow_notify.empty() || o.keep_going ||
        o.tcp_per_client != 0 || !o.zone_checks.empty()) {
      std::fprintf(stderr, "mxkit serve: give either --config or --dns-listen/--zone, not both\n");
      return 2;
    }
    if (o.mail_given) {
      std::fprintf(stderr, "mxkit serve: give either --config or the SMTP options, not both\n");
      return 2;
    }
    if (o.console_given) {
      std::fprintf(stderr, "mxkit serve: give either --config or the console options, not both\n");
      return 2;
    }
    auto config = load_serve_config(o.config);
    if (!config) {
      std::fprintf(stderr, "mxkit serve: %s\n", config.error().message.c_str());
      return 2;
    }
    std::optional<std::pair<auth::ServerOptions, std::vector<auth::ZoneSource>>> dns;
    if (config->has_dns) dns.emplace(std::move(config->dns), std::move(config->zones));
    return serve(std::move(dns), std::move(config->mail), std::move(config->console),
                 o.check_config);
  }
  std::optional<ConsoleOptions> console;
  if (o.console_given) {
    console = o.console;
    // The resolver options are the mail role's; without one they serve the console.
    if (!o.mail_given && (!o.mail.resolver.resolver.empty() || !o.mail.resolver.root_hints.empty()))
      console->resolver = o.mail.resolver;
  }
  std::optional<MailOptions> mail;
  if (o.mail_given) {
    // Checked before anything starts, so a typo never leaves a half-started server: a bad
    // option is a usage error (2), whereas a failure at start (a port taken) is 1.
    if (auto checked = check_mail_options(o.mail); !checked) {
      std::fprintf(stderr, "mxkit serve: %s\n", checked.error().message.c_str());
      return 2;
    }
    mail = o.mail;
  }
  if ((mail || console) && o.listen.empty() && o.zones.empty() && o.secondaries.empty())
    return serve(std::nullopt, std::move(mail), std::move(console), o.check_config);
  // With the console the DNS role may start with no zone of its own: it serves the console's.
  if (o.listen.empty() || (o.zones.empty() && o.secondaries.empty() && !console)) {
    std::fprintf(
        stderr,
        "mxkit serve: needs --config FILE, or --dns-listen ADDRESS:PORT and --zone ORIGIN=FILE"
        " or --secondary ORIGIN=ADDRESS:PORT, or --smtp-listen ADDRESS:PORT and --spool DIR, or"
        " --console-listen ADDRESS:PORT with --console-data DIR and --api-key-file FILE\n");
    return 2;
  }
  auth::ServerOptions options;
  for (const auto& text : o.listen) {
    auto address = auth::parse_listen_address(text);
    if (!address) {
      std::fprintf(stderr, "mxkit serve: --dns-listen %s: %s\n", text.c_str(),
                   address.error().message.c_str());
      return 2;
    }
    options.listen.push_back(*address);
  }
  std::vector<auth::ZoneSource> zones;
  for (const auto& text : o.zones) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
      std::fprintf(stderr, "mxkit serve: --zone %s: expected ORIGIN=FILE\n", text.c_str());
      return 2;
    }
    std::string origin_text = text.substr(0, eq);
    if (origin_text.back() != '.') origin_text.push_back('.');
    auto origin = dns::Name::from_text(origin_text);
    if (!origin) {
      std::fprintf(stderr, "mxkit serve: --zone %s: %s\n", text.c_str(),
                   origin.error().message.c_str());
      return 2;
    }
    zones.push_back({*origin, text.substr(eq + 1), {}, "--zone " + text});
  }
  for (const auto& text : o.secondaries) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
      std::fprintf(stderr, "mxkit serve: --secondary %s: expected ORIGIN=ADDRESS:PORT\n",
                   text.c_str());
      return 2;
    }
    std::string origin_text = text.substr(0, eq);
    if (origin_text.back() != '.') origin_text.push_back('.');
    auto origin = dns::Name::from_text(origin_text);
    if (!origin) {
      std::fprintf(stderr, "mxkit serve: --secondary %s: %s\n", text.c_str(),
                   origin.error().message.c_str());
      return 2;
    }
    auto primary = auth::parse_listen_address(text.substr(eq + 1));
    if (!primary) {
      std::fprintf(stderr, "mxkit serve: --secondary %s: %s\n", text.c_str(),
                   primary.error().message.c_str());
      return 2;
    }
    // The same zone given twice takes both primaries, tried in order.
    auto same = std::find_if(zones.begin(), zones.end(),
                             [&](const auth::ZoneSource& z) { return z.origin == *origin; });
    if (same != zones.end() && same->primaries.empty()) {
      std::fprintf(stderr, "mxkit serve: --secondary %s: the zone is also given with --zone\n",
                   text.c_str());
      return 2;
    }
    if (same != zones.end())
      same->primaries.push_back(*primary);
    else
      zones.push_back({*origin, {}, {*primary}, "--secondary " + text});
  }
  if (zones.empty() && !console) {
    std::fprintf(stderr, "mxkit serve: no zone to serve (--zone ORIGIN=FILE)\n");
    return 2;
  }
  for (const auto& text : o.allow_transfer) {
    auto prefix = auth::AddressPrefix::parse(text);
    if (!prefix) {
      std::fprintf(stderr, "mxkit serve: --allow-transfer %s: %s\n", text.c_str(),
                   prefix.error().message.c_str());
      return 2;
    }
    options.transfer_allow.push_back(*prefix);
  }
  for (const auto& text : o.notify) {
    auto address = auth::parse_listen_address(text);
    if (!address) {
      std::fprintf(stderr, "mxkit serve: --notify %s: %s\n", text.c_str(),
                   address.error().message.c_str());
      return 2;
    }
    options.notify.push_back({address->host, address->port});
  }
  if (auto r = apply_tsig_options(o, options, zones); !r) {
    std::fprintf(stderr, "mxkit serve: %s\n", r.error().message.c_str());
    return 2;
  }
  options.journal_dir = o.journal_dir;
  options.journal.max_changes = o.journal_changes;
  options.rate_limit.responses_per_second = o.rate_limit;
  options.workers = o.workers;
  options.answer.rotate_addresses = o.rotate;
  options.answer.max_udp_payload = o.max_udp_payload;
  options.keep_going = o.keep_going;
  options.tcp_per_client = o.tcp_per_client;
  if (o.zone_checks == "warn") options.zone_checks = auth::ZoneChecks::warn;
  return serve(std::make_pair(std::move(options), std::move(zones)), std::move(mail),
               std::move(console), o.check_config);
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  auto* serve =
      app.add_subcommand("serve", "Run the authoritative DNS server, the SMTP server, or both");
  serve->add_option("--config", o->config, "TOML configuration (docs/config.md)");
  serve->add_option("--dns-listen", o->listen, "UDP and TCP address to answer on, ADDRESS[:PORT] (repeatable; a bare address means port 53; IPv6 "
                    "with a port as [::1]:5300)");
  serve->add_option("--zone", o->zones, "Zone to serve, ORIGIN=FILE (repeatable)");
  serve->add_option("--allow-transfer", o->allow_transfer,
                    "Address or prefix allowed to AXFR/IXFR the zones (repeatable; default: none)");
  serve->add_option(
      "--notify", o->notify,
      "Secondary to send NOTIFY to when a reload changes a zone, ADDRESS[:PORT] (repeatable)");
  serve->add_option(
      "--secondary", o->secondaries,
      "Zone to take from a primary by IXFR/AXFR, ORIGIN=ADDRESS:PORT (repeatable; a zone given "
      "twice has two primaries)");
  serve->add_option("--tsig-key", o->tsig_keys,
                    "TSIG key, NAME:ALGORITHM:BASE64 (hmac-sha256/384/512; repeatable)");
  serve->add_option("--zone-key", o->zone_keys,
                    "Key a zone requires for transfers and NOTIFY and signs its own with, "
                    "ORIGIN=KEYNAME (repeatable)");
  serve->add_option("--allow-notify", o->allow_notify,
                    "Who may NOTIFY a secondary zone, ORIGIN=PREFIX (repeatable; default: its "
                    "primaries)");
  serve->add_option("--journal-dir", o->journal_dir,
                    "Folder for the IXFR journals (default: ZONEFILE.jnl beside each zone file)");
  serve
      ->add_option("--journal-changes", o->journal_changes,
                   "Changes kept per zone for IXFR (default 100)")
      ->check(CLI::Range(1, 100000));
  serve->add_option("--rate-limit", o->rate_limit,
                    "UDP responses per second per client network and answer (0: off, the default)");
  serve->add_option("--workers", o->workers, "Worker threads (default 1)")
      ->check(CLI::Range(1, 64));
  serve->add_flag("--rotate-addresses", o->rotate,
                  "Rotate the order of A/AAAA records between answers");
  serve
      ->add_option("--max-udp-payload", o->max_udp_payload,
                   "Largest UDP response and the EDNS size offered (default 1232)")
      ->check(CLI::Range(512, 65535));
  serve->add_flag("--keep-going", o->keep_going,
                  "Serve the zones that load when some are refused (the log names those skipped); "
                  "without it a refused zone stops the start");
  serve
      ->add_option("--tcp-per-client", o->tcp_per_client,
                   "TCP connections one client (IPv4 address, IPv6 /64) may hold at once; more are "
                   "closed at once (default: an eighth of the TCP limit, at most 64)")
      ->check(CLI::Range(1, 100000));
  serve
      ->add_option("--zone-checks", o->zone_checks,
                   "What an error from the zone checks (mxkit zone check) does to a zone: refuse "
                   "(the default, as BIND and NSD) or warn (log it and serve the zone)")
      ->check(CLI::IsMember({"refuse", "warn"}));
  add_mail_options(*serve, o->mail);
  add_console_options(*serve, o->console);
  serve->add_flag("--check-config", o->check_config,
                  "Read the options or --config, every zone and the SMTP settings, print what would "
                  "be served, and exit: 0 when all is well, 1 otherwise");
  serve->callback([o, serve, &exit_code] {
    for (const char* name :
         {"--smtp-listen", "--hostname", "--spool", "--local-domain", "--mailbox", "--maildir-root",
          "--relay-from", "--alias", "--tls-cert", "--tls-key", "--max-message-size",
          "--max-recipients", "--max-connections", "--smtp-timeout", "--no-sender-check",
          "--arrival-backlog", "--arrival-backlog-bytes"})
      o->mail_given |= serve->count(name) > 0;
    o->console_given = console_options_given(*serve);
    exit_code = run_serve(*o);
    // With --check-config any error means "not good": 1, as nsd-checkconf and postfix check exit.
    if (o->check_config && exit_code != 0) exit_code = 1;
  });
}

}  // namespace mxkit::cli
