// `mxkit route`: drives the routing planner (src/routing) with the resolver and prints the
// plan as text, in the manner of `dig +trace`, or as JSON (docs/json.md).
#include "cli/route_command.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/channel.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/resolver_options.hpp"
#include "core/ascii.hpp"
#include "delivery/route_driver.hpp"
#include "dns/name.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "resolver/resolver.hpp"
#include "routing/planner.hpp"

namespace mxkit::cli {

namespace {

// sysexits.h's EX_TEMPFAIL: what mail software expects for "try again later".
constexpr int kExitTemporary = 75;
constexpr int kExitUsage = 2;

struct RouteArgs {
  std::vector<std::string> targets;  // addresses or domains, planned in this order
  bool json = false;
  std::vector<std::string> self;
  std::string address_preference = "ipv6-first";
  unsigned repeat = 1;
  unsigned interval_ms = 0;  // pause between rounds of --repeat
  std::uint64_t seed = 0;
  bool seeded = false;
  ResolverOptions resolver;
};

std::string record_line(const dns::Record& r) {
  std::string line;
  dns::append_name_text(r.owner.wire(), line);
  line += fmt::format(" {} {} {} ", r.ttl, dns::class_to_text(r.cls), dns::type_to_text(r.type));
  dns::append_rdata_text(r.type, r.rdata, line);
  return line;
}

nlohmann::json remarks_json(const std::vector<routing::Remark>& remarks) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : remarks) list.push_back({{"code", r.code}, {"message", r.message}});
  return list;
}

// `input` is the ADDRESS or DOMAIN as given; the plan's `domain` is its canonical form.
nlohmann::json plan_json(const routing::DeliveryPlan& plan, const std::string& input) {
  using nlohmann::json;
  json targets = json::array();
  for (const auto& t : plan.targets) {
    json addresses = json::array();
    for (const auto& a : t.addresses) addresses.push_back(a.to_text());
    targets.push_back({{"exchange", t.exchange.to_text()},
                       {"preference", t.preference},
                       {"addresses", addresses},
                       {"canonical", t.canonical ? json(t.canonical->to_text()) : json(nullptr)},
                       {"ip_literal", t.ip_literal},
                       {"notes", t.notes}});
  }
  json skipped = json::array();
  for (const auto& s : plan.skipped)
    skipped.push_back(
        {{"exchange", s.exchange.to_text()}, {"preference", s.preference}, {"reason", s.reason}, {"code", s.code}});
  json steps = json::array();
  for (const auto& s : plan.steps) {
    json cnames = json::array(), records = json::array();
    for (const auto& r : s.result.cnames) cnames.push_back(record_line(r));
    for (const auto& r : s.result.records) records.push_back(record_line(r));
    json path = json::array();
    for (const auto& h : s.result.hops)
      path.push_back({{"server", h.server},
                      {"name", h.name.to_text()},
                      {"type", dns::type_to_text(h.type)},
                      {"zone", h.zone.empty() ? json(nullptr) : json(h.zone)},
                      {"result", h.result},
                      {"tcp", h.over_tcp},
                      {"ms", h.ms > 0 ? json(h.ms) : json(nullptr)}});
    steps.push_back({{"name", s.request.name.to_text()},
                     {"type", dns::type_to_text(s.request.type)},
                     {"result", routing::lookup_status_name(s.result.status)},
                     {"ttl", s.result.ttl},
                     {"from_cache", s.result.from_cache},
                     {"source", s.result.source},
                     {"queries", s.result.queries_sent},
                     {"cnames", cnames},
                     {"records", records},
                     {"detail", s.result.detail},
                     {"path", path}});
  }
  return {{"input", input},
          {"domain", plan.domain.to_text()},
          {"canonical_domain", plan.canonical_domain.to_text()},
          {"outcome", routing::outcome_name(plan.outcome)},
          {"implicit_mx", plan.implicit_mx},
          {"targets", targets},
          {"skipped", skipped},
          {"steps", steps},
          {"warnings", remarks_json(plan.warnings)},
          {"notes", remarks_json(plan.notes)},
          {"status", plan.status ? json(plan.status->enhanced) : json(nullptr)},
          {"reply_code", plan.status ? json(plan.status->reply) : json(nullptr)},
          {"reason", plan.reason},
          {"ttl", plan.ttl}};
}

std::string addresses_text(const routing::PlannedTarget& t) {
  std::string out;
  for (const auto& a : t.addresses)
    out += fmt::format("{}{}", out.empty() ? "" : ", ", a.to_text());
  return out;
}

// The text form: the outcome first, then the targets in the order to try, then every lookup
// with its TTL and where the answer came from (the road signs).
std::string plan_text(const routing::DeliveryPlan& plan) {
  std::string out =
      fmt::format("{}: {}\n", plan.domain.to_text(), routing::outcome_name(plan.outcome));
  if (plan.status)
    out += fmt::format("  {} {} ", plan.status->reply, plan.status->enhanced);
  else
    out += "  ";
  out += fmt::format("{}\n", plan.reason);
  if (!plan.targets.empty()) {
    out +=
        plan.implicit_mx ? "\nimplicit MX (no MX records):\n" : "\ntargets, in the order to try:\n";
    std::size_t i = 0;
    for (const auto& t : plan.targets) {
      out += fmt::format("  {}. {:<5} {}  {}\n", ++i, t.preference, t.exchange.to_text(),
                         addresses_text(t));
      for (const auto& n : t.notes) out += fmt::format("        ({})\n", n);
    }
  }
  if (!plan.skipped.empty()) {
    out += "\nskipped:\n";
    for (const auto& s : plan.skipped)
      out += fmt::format("  {:<5} {}  {}\n", s.preference, s.exchange.to_text(), s.reason);
  }
  if (!plan.warnings.empty()) {
    out += "\nwarnings:\n";
    for (const auto& w : plan.warnings) out += fmt::format("  {}\n", w.message);
  }
  if (!plan.notes.empty()) {
    out += "\nnotes:\n";
    for (const auto& n : plan.notes) out += fmt::format("  {}\n", n.message);
  }
  out += "\nlookups:\n";
  for (const auto& s : plan.steps) {
    const auto& r = s.result;
    // Where the answer came from: the path of queries when the resolver traced them (like
    // `dig +trace`), else just the source.
    std::string where;
    if (r.from_cache) {
      where = ", from cache";
    } else if (r.queries_sent > 0) {
      where = fmt::format(", {} quer{}", r.queries_sent, r.queries_sent == 1 ? "y" : "ies");
    }
    if (r.path.empty() && !r.source.empty() && !r.from_cache)
      where += fmt::format(", from {}", r.source);
    out += fmt::format(";; {} {}: {}, TTL {}{}\n", s.request.name.to_text(),
                       dns::type_to_text(s.request.type), routing::lookup_status_name(r.status),
                       r.ttl, where);
    if (!r.detail.empty()) out += fmt::format(";;   {}\n", r.detail);
    for (const auto& p : r.path) out += fmt::format(";;   {}\n", p);
    for (const auto& rec : r.cnames) out += fmt::format("{}\n", record_line(rec));
    for (const auto& rec : r.records) out += fmt::format("{}\n", record_line(rec));
  }
  out += fmt::format("\n;; plan valid for {} s (the smallest TTL above)\n", plan.ttl);
  return out;
}

int exit_status(routing::Outcome outcome) {
  if (outcome == routing::Outcome::Deliverable) return 0;
  return routing::is_permanent(outcome) ? 1 : kExitTemporary;
}

// Several plans give one status: any permanent failure wins, then any temporary one.
int combined_status(int a, int b) {
  if (a == 1 || b == 1) return 1;
  if (a == kExitTemporary || b == kExitTemporary) return kExitTemporary;
  return 0;
}

int run_route(const RouteArgs& args) {
  std::vector<dns::Name> domains;
  for (const auto& target : args.targets) {
    auto domain_text = domain_of_address(target);
    if (!domain_text) {
      std::fprintf(stderr, "mxkit route: \"%s\": %s\n", target.c_str(),
                   domain_text.error().message.c_str());
      return kExitUsage;
    }
    // Names compare without case (RFC 4343); the plan carries the canonical, lower-case form.
    domains.push_back(*dns::Name::from_text(core::ascii_lower(*domain_text)));
  }
  if (args.repeat < 1) {
    std::fprintf(stderr, "mxkit route: --repeat %u: give 1 or more\n", args.repeat);
    return kExitUsage;
  }
  routing::RoutingOptions options;
  if (auto p = routing::parse_address_preference(args.address_preference)) {
    options.address_preference = *p;
  } else {
    std::fprintf(stderr,
                 "mxkit route: --address-preference \"%s\": give ipv6-first, ipv4-first, ipv4-only "
                 "or ipv6-only\n",
                 args.address_preference.c_str());
    return kExitUsage;
  }
  for (const auto& self : args.self) {
    if (auto a = routing::parse_address(self)) {
      options.self_addresses.push_back(*a);
      continue;
    }
    std::string text = self;
    if (text.empty() || text.back() != '.') text.push_back('.');
    auto n = dns::Name::from_text(text);
    if (!n) {
      std::fprintf(stderr, "mxkit route: --self \"%s\": neither an IP address nor a name: %s\n",
                   self.c_str(), n.error().message.c_str());
      return kExitUsage;
    }
    options.self_names.push_back(*n);
  }
  auto config = make_resolver_config(args.resolver);
  if (!config) {
    std::fprintf(stderr, "mxkit route: %s\n", config.error().message.c_str());
    return kExitUsage;
  }
  config->trace = true;

  asio::io_context io(1);  // one thread: Asio may skip its locks
  resolver::Resolver resolver(io.get_executor(), *config);
  std::mt19937_64 rng(args.seeded ? args.seed : std::random_device{}());
  int status = 0;
  std::chrono::steady_clock::duration planning{};
  std::exception_ptr failure;
  const bool many = args.repeat > 1 || domains.size() > 1;
  unsigned plans = 0;
  auto run = [&]() -> asio::awaitable<void> {
    asio::steady_timer pause(io);
    for (unsigned i = 0; i < args.repeat; ++i) {
      if (i > 0 && args.interval_ms > 0) {  // not counted as planning time
        pause.expires_after(std::chrono::milliseconds(args.interval_ms));
        co_await pause.async_wait(asio::use_awaitable);
      }
      for (std::size_t d = 0; d < domains.size(); ++d) {
        const dns::Name& domain = domains[d];
        const auto start = std::chrono::steady_clock::now();
        auto plan = co_await delivery::plan_once(resolver, domain, options, rng);
        planning += std::chrono::steady_clock::now() - start;
        status = plans++ == 0 ? exit_status(plan.outcome) : combined_status(status, exit_status(plan.outcome));
        std::string out;
        if (args.json) {
          const auto document = plan_json(plan, args.targets[d]);
          out = many ? document.dump() : document.dump(2);
          out += '\n';
        } else {
          out = plan_text(plan);
          if (plans < args.repeat * domains.size()) out += '\n';
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
      }
    }
  };
  asio::co_spawn(io, run(), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);  // main() reports it as one line
  std::fflush(stdout);
  if (many) {
    const double seconds = std::chrono::duration<double>(planning).count();
    std::fprintf(stderr, "mxkit route: %u plans in %.3f s (%.0f plans/s), %zu DNS queries sent\n",
                 plans, seconds, seconds > 0 ? plans / seconds : 0.0, resolver.queries_sent());
  }
  return status;
}

}  // namespace

nlohmann::json route_plan_json(const routing::DeliveryPlan& plan, const std::string& input) {
  return plan_json(plan, input);
}

void add_route_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RouteArgs>();
  auto* route =
      app.add_subcommand("route", "Show where mail for an address or domain goes, and why");
  route->footer(
      "The delivery plan of RFC 5321 §5.1 and RFC 7505: the outcome, the mail exchangers in the "
      "order\n"
      "a sender tries them with their addresses, and every DNS lookup made, with its TTL and "
      "source.\n"
      "Equal MX preferences are shuffled on every plan.\n\n"
      "Exit status: 0 deliverable; 1 permanent failure (null-mx, nxdomain, no-usable-targets);\n"
      "75 temporary failure (EX_TEMPFAIL: retry later); 2 a bad ADDRESS or option value.\n"
      "Several ADDRESSes are planned in turn with one resolver and cache (the second domain of a\n"
      "TLD needs fewer queries than the first); their status is 1 if any plan failed permanently,\n"
      "else 75 if any failed temporarily. With several plans (ADDRESSes or --repeat N) JSON is\n"
      "one object a line, and a summary (plans, time spent planning, plans/s, DNS queries sent)\n"
      "goes to stderr.");
  route
      ->add_option("address", args->targets,
                   "user@domain, \"quoted local\"@domain, or a bare domain; several are planned in turn")
      ->required()
      ->type_name("ADDRESS|DOMAIN...");
  route->add_flag("--json", args->json,
                  "The plan as JSON (docs/json.md); one object a line when there are several plans");
  route
      ->add_option("--self", args->self,
                   "A name or IP address of this MTA (repeatable): its MX preference level and "
                   "worse ones are dropped")
      ->type_name("NAME|IP");
  route
      ->add_option(
          "--address-preference", args->address_preference,
          "Order of address families: ipv6-first (default), ipv4-first, ipv4-only, ipv6-only")
      ->type_name("P");
  route
      ->add_option("--repeat", args->repeat,
                   "Plan N times (each ADDRESS) with one resolver: the cache is warm after the first")
      ->type_name("N");
  route
      ->add_option("--interval", args->interval_ms,
                   "With --repeat: wait this many milliseconds between rounds (watch TTLs run out)")
      ->type_name("MS");
  auto* seed = route
                   ->add_option("--seed", args->seed,
                                "Seed of the shuffle of equal preferences (default: random)")
                   ->type_name("N");
  add_resolver_options(*route, args->resolver);
  route->callback([args, seed, &exit_code] {
    args->seeded = seed->count() > 0;
    exit_code = run_route(*args);
  });
}

}  // namespace mxkit::cli
