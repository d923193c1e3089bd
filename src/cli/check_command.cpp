// `mxkit check DOMAIN`: options, the resolver, one run of the checks (src/checks), output.
#include "cli/check_command.hpp"

#include <cstdio>
#include <exception>
#include <memory>
#include <random>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "cli/resolver_options.hpp"
#include "cli/tsig_options.hpp"
#include "cli/usage.hpp"

namespace mxkit::cli {

namespace {

struct CheckArgs {
  std::string domain;
  bool json = false;
  bool no_smtp = false;
  std::uint16_t smtp_port = 25;
  std::vector<std::string> dnsbl;
  bool no_dnsbl = false;
  std::vector<std::string> dkim_selectors;
  std::string zone;
  std::vector<std::string> resolvers;
  ResolverOptions resolver;
  std::uint16_t https_port = 443;
  std::string https_ca;
  TsigKeyOptions tsig;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "mxkit check: %s\n", message.c_str());
  return checks::kExitCouldNotRun;
}

int run_check(const CheckArgs& args) {
  std::string text = args.domain;
  if (!text.empty() && text.back() != '.') text.push_back('.');
  auto domain = dns::Name::from_text(text);
  if (!domain || domain->is_root())
    return fail(fmt::format("\"{}\": not a domain name{}", args.domain,
                            domain ? "" : ": " + domain.error().message));
  ResolverOptions resolver_options = args.resolver;
  // Stub mode through the first --resolver, unless --root-hints resolves from the roots; either
  // way every --resolver's MX answer is compared with the authoritative one (propagation).
  if (!args.resolvers.empty() && args.resolver.root_hints.empty())
    resolver_options.resolver = args.resolvers.front();
  auto config = make_resolver_config(resolver_options);
  if (!config) return fail(config.error().message);
  config->trace = true;  // the plan's steps carry their paths, as `route --json` gives them

  checks::CheckOptions options;
  options.smtp = !args.no_smtp;
  options.smtp_port = args.smtp_port;
  if (!args.no_dnsbl)
    options.dnsbl_zones = args.dnsbl.empty() ? checks::default_dnsbl_zones() : args.dnsbl;
  options.dkim_selectors = args.dkim_selectors;
  options.zone_file = args.zone;
  auto key = tsig_key_from_options(args.tsig);
  if (!key) return fail(key.error().message);
  options.transfer_key = std::move(*key);
  options.resolvers = args.resolvers;
  options.probe.timeout = config->timeout;
  if (args.resolver.dns_port != 0) options.probe.dns_port = args.resolver.dns_port;
  options.https.port = args.https_port;
  options.https.ca_file = args.https_ca;
  options.https.timeout = std::max(config->timeout, std::chrono::milliseconds(5000));
  options.smtp_timeout = std::max(config->timeout, std::chrono::milliseconds(5000));

  asio::io_context io(1);
  resolver::Resolver resolver(io.get_executor(), *config);
  std::mt19937_64 rng(std::random_device{}());
  checks::Report report;
  std::exception_ptr failure;
  asio::co_spawn(io, checks::run_checks(resolver, *domain, options, rng),
                 [&](std::exception_ptr e, checks::Report r) {
                   failure = e;
                   report = std::move(r);
                 });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return fail(e.what());
    }
  }
  const std::string out =
      args.json ? check_report_json(report).dump(2) + "\n" : check_report_text(report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return checks::exit_status(report.findings);
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  auto* check = app.add_subcommand(
      "check",
      "The health of a domain's mail: MX, name servers, zone, SPF/DMARC/DKIM, TLS, "
      "blacklists, mail servers");
  check->footer(
      "Every finding has a stable code, explained with its RFC and fix in docs/checks.md.\n"
      "Exit status: 0 no warning or error; 1 warnings; 2 errors; 3 the check could not run.");
  check->add_option("domain", args->domain, "The mail domain to check")
      ->required()
      ->type_name("DOMAIN");
  check->add_flag("--json", args->json, "The report as JSON (docs/json.md)");
  check->add_flag("--no-smtp", args->no_smtp, "Do not connect to the mail servers");
  check
      ->add_option("--smtp-port", args->smtp_port,
                   "Port of the mail servers (default 25; for tests)")
      ->check(CLI::Range(1, 65535));
  check
      ->add_option("--dnsbl", args->dnsbl,
                   "A DNS blacklist zone to look the MX addresses up in "
                   "(repeatable; default a short list of well-known ones)")
      ->type_name("ZONE");
  check->add_flag("--no-dnsbl", args->no_dnsbl, "No blacklist lookups");
  check
      ->add_option("--dkim-selector", args->dkim_selectors,
                   "A DKIM selector to look for besides the common ones (repeatable)")
      ->type_name("S");
  check
      ->add_option("--zone", args->zone,
                   "The domain's zone file: check its content too (without it, an AXFR is "
                   "tried from each authoritative server, signed with -y or -k when given)")
      ->type_name("FILE");
  add_tsig_key_options(*check, args->tsig, "Sign the AXFR of the zone");
  check
      ->add_option("--https-port", args->https_port,
                   "Port of the MTA-STS policy host's HTTPS (default 443; for tests)")
      ->check(CLI::Range(1, 65535));
  check
      ->add_option("--https-ca", args->https_ca,
                   "PEM file of trust anchors for the MTA-STS policy host, besides the system's")
      ->type_name("FILE");
  check
      ->add_option(
          "--resolver", args->resolvers,
          "Recursive server, IP[:PORT] (repeatable): the first resolves (stub mode, unless "
          "--root-hints); each one's MX answer is compared with the authoritative one")
      ->type_name("IP[:PORT]");
  check
      ->add_option(
          "--root-hints", args->resolver.root_hints,
          "Resolve iteratively from these roots (a zone file of the root NS and addresses)")
      ->type_name("FILE");
  check
      ->add_option("--dns-port", args->resolver.dns_port,
                   "Port of every DNS query sent (default 53; for tests)")
      ->check(CLI::Range(1, 65535));
  check
      ->add_option("--timeout", args->resolver.timeout_ms,
                   "Milliseconds to wait for each reply (default 1500)")
      ->check(CLI::Range(1, 600000));
  set_usage_exit_code(*check, checks::kExitCouldNotRun);  // a usage error: the check did not run
  check->callback([args, &exit_code] { exit_code = run_check(*args); });
}

}  // namespace mxkit::cli
