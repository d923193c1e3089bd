// `mxkit spf`: runs the SPF evaluator of src/mailauth over the resolver and prints its outcome.
#include "cli/spf_command.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/resolver_options.hpp"
#include "cli/usage.hpp"
#include "mailauth/resolver_lookup.hpp"
#include "mailauth/spf.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::cli {
namespace {

// Exit status: pass is the only "yes"; temperror means the DNS could not be asked, so the
// check could not run to an answer (the same 3 as `mxkit check`).
constexpr int kExitNotPass = 1;
constexpr int kExitCouldNotRun = 3;

struct SpfArgs {
  std::string ip;
  std::string domain;
  std::string sender;
  std::string helo;
  bool json = false;
  ResolverOptions resolver;
};

nlohmann::json outcome_json(const mailauth::SpfOutcome& o, const mailauth::SpfQuery& q,
                            const mailauth::SpfLimits& limits, double elapsed_ms) {
  nlohmann::json trace = nlohmann::json::array();
  for (const auto& t : o.trace)
    trace.push_back({{"kind", mailauth::spf_trace_kind_name(t.kind)},
                     {"depth", t.depth},
                     {"domain", t.domain},
                     {"text", t.text}});
  nlohmann::json syntax = nullptr;
  if (o.syntax_error)
    syntax = {{"record", o.syntax_error_record},
              {"position", o.syntax_error->position},
              {"message", o.syntax_error->message}};
  return {
      {"result", mailauth::spf_result_name(o.result)},
      {"domain", o.domain},
      {"ip", q.ip.to_string()},
      {"sender", q.sender},
      {"helo", q.helo},
      {"reason", o.reason},
      {"mechanism", o.mechanism.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.mechanism)},
      {"mechanism_domain",
       o.mechanism_domain.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.mechanism_domain)},
      {"explanation",
       o.explanation.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.explanation)},
      {"explanation_from_record", o.explanation_from_record},
      {"dns_lookups", o.dns_lookups},
      {"dns_lookup_limit", limits.dns_lookups},
      {"lookup_limit_exceeded", o.lookup_limit_exceeded},
      {"void_lookups", o.void_lookups},
      {"void_lookup_limit", limits.void_lookups},
      {"void_limit_exceeded", o.void_limit_exceeded},
      {"chain", o.chain},
      {"syntax_error", syntax},
      {"trace", trace},
      {"elapsed_ms", elapsed_ms}};
}

std::string outcome_text(const mailauth::SpfOutcome& o, const mailauth::SpfQuery& q,
                         const mailauth::SpfLimits& limits, double elapsed_ms) {
  std::string out =
      fmt::format("{}: {} for {} (sender {}, HELO {})\n", o.domain,
                  mailauth::spf_result_name(o.result), q.ip.to_string(), q.sender, q.helo);
  out += fmt::format("  reason: {}\n", o.reason);
  if (!o.explanation.empty())
    out += fmt::format("  explanation: {}{}\n", o.explanation,
                       o.explanation_from_record ? "" : " (default; the record has no exp=)");
  if (o.syntax_error)
    out += fmt::format("  syntax error at offset {}: {}\n    {}\n    {}^\n",
                       o.syntax_error->position, o.syntax_error->message, o.syntax_error_record,
                       std::string(o.syntax_error->position, ' '));
  out += fmt::format("  DNS-querying terms: {} of {}{}; void lookups: {} of {}{}\n", o.dns_lookups,
                     limits.dns_lookups, o.lookup_limit_exceeded ? " (limit exceeded)" : "",
                     o.void_lookups, limits.void_lookups,
                     o.void_limit_exceeded ? " (limit exceeded)" : "");
  if (o.chain.size() > 1) {
    out += "  chain:";
    for (std::size_t i = 0; i < o.chain.size(); ++i) out += (i ? " → " : " ") + o.chain[i];
    out += '\n';
  }
  out += "  trace:\n";
  for (const auto& t : o.trace)
    out += fmt::format("    {}{:<6} {}\n", std::string(2 * t.depth, ' '),
                       mailauth::spf_trace_kind_name(t.kind), t.text);
  out += fmt::format("  {:.1f} ms\n", elapsed_ms);
  return out;
}

int run_spf(const SpfArgs& args) {
  mailauth::SpfQuery query;
  asio::error_code ec;
  query.ip = asio::ip::make_address(args.ip, ec);
  if (ec) {
    std::fprintf(stderr, "mxkit spf: \"%s\" is not an IPv4 or IPv6 address\n", args.ip.c_str());
    return kExitUsage;
  }
  if (args.domain.empty() || args.domain.find_first_of(" @") != std::string::npos) {
    std::fprintf(stderr, "mxkit spf: \"%s\" is not a domain name\n", args.domain.c_str());
    return kExitUsage;
  }
  query.domain = args.domain;
  // Without --sender, the check is of the domain itself: postmaster@DOMAIN (RFC 7208 §4.3
  // writes the null reverse-path the same way); without --helo, DOMAIN is the HELO name.
  query.sender = args.sender.empty() ? "postmaster@" + args.domain : args.sender;
  query.helo = args.helo.empty() ? args.domain : args.helo;
  auto config = make_resolver_config(args.resolver);
  if (!config) {
    std::fprintf(stderr, "mxkit spf: %s\n", config.error().message.c_str());
    return kExitUsage;
  }
  config->trace = true;  // each lookup's line names the server that answered
  asio::io_context io(1);
  resolver::Resolver resolver(io.get_executor(), *config);
  mailauth::ResolverLookup lookup(resolver);
  const mailauth::SpfLimits limits;
  mailauth::SpfOutcome outcome;
  std::exception_ptr failure;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, mailauth::check_host(lookup, query, limits),
                 [&](std::exception_ptr e, mailauth::SpfOutcome o) {
                   failure = e;
                   outcome = std::move(o);
                 });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mxkit spf: %s\n", e.what());
    }
    return kExitCouldNotRun;
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const std::string out = args.json
                              ? outcome_json(outcome, query, limits, elapsed_ms).dump(2) + "\n"
                              : outcome_text(outcome, query, limits, elapsed_ms);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (outcome.result == mailauth::SpfResult::Pass) return 0;
  if (outcome.result == mailauth::SpfResult::TempError) return kExitCouldNotRun;
  return kExitNotPass;
}

}  // namespace

void add_spf_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SpfArgs>();
  auto* spf = app.add_subcommand(
      "spf",
      "Evaluate SPF (RFC 7208 check_host) for a client address and a domain, with the trace");
  spf->footer(
      "Prints the result (pass, fail, softfail, neutral, none, permerror, temperror), the reason,\n"
      "the explanation of a fail (the record's exp= or ours), the DNS-querying terms and void\n"
      "lookups counted against the limits of 10 and 2 (RFC 7208 §4.6.4), the include/redirect\n"
      "chain, and every record, term and DNS lookup in order.\n\n"
      "Exit status: 0 pass; 1 any other result but temperror; 3 temperror or the check could\n"
      "not run (DNS failed); 2 a bad IP, DOMAIN or option value.");
  spf->add_option("ip", args->ip, "The SMTP client's address (IPv4 or IPv6)")
      ->required()
      ->type_name("IP");
  spf->add_option("domain", args->domain, "The domain whose SPF record is checked")
      ->required()
      ->type_name("DOMAIN");
  spf->add_option("--sender", args->sender,
                  "MAIL FROM address for the macros %{s} %{l} %{o} (default postmaster@DOMAIN)")
      ->type_name("ADDR");
  spf->add_option("--helo", args->helo, "HELO/EHLO name for %{h} (default DOMAIN)")
      ->type_name("NAME");
  spf->add_flag("--json", args->json, "The outcome as JSON (docs/json.md)");
  add_resolver_options(*spf, args->resolver);
  spf->callback([args, &exit_code] { exit_code = run_spf(*args); });
}

}  // namespace mxkit::cli
