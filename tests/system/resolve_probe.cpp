// resolve_probe: resolves names with the resolver library and prints each Resolution as one
// JSON line, so the system tests can check the library against real servers. Test-only.
//   resolve_probe [--resolver IP[:PORT] | --root-hints FILE] [--dns-port N] [--timeout MS]
//                 [--serve-stale] [--pause MS] NAME/TYPE...
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "cli/resolver_options.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "resolver/resolver.hpp"

namespace {

using namespace mxkit;

nlohmann::json records_json(const std::vector<dns::Record>& records) {
  auto out = nlohmann::json::array();
  for (const auto& r : records) {
    std::string rdata;
    dns::append_rdata_text(r.type, r.rdata, rdata);
    out.push_back({{"name", r.owner.to_text()},
                   {"type", dns::type_to_text(r.type)},
                   {"ttl", r.ttl},
                   {"rdata", rdata}});
  }
  return out;
}

nlohmann::json resolution_json(const resolver::Resolution& r, std::size_t total_queries) {
  auto trace = nlohmann::json::array();
  for (const auto& s : r.trace)
    trace.push_back({{"qname", s.qname.to_text()},
                     {"qtype", dns::type_to_text(s.qtype)},
                     {"server", s.server},
                     {"zone", s.zone},
                     {"outcome", s.outcome},
                     {"rcode", s.rcode},
                     {"tcp", s.over_tcp},
                     {"size", s.reply_size},
                     {"records", records_json(s.records)}});
  return {{"qname", r.qname.to_text()},
          {"qtype", dns::type_to_text(r.qtype)},
          {"status", std::string(resolver::status_name(r.status))},
          {"rcode", r.rcode},
          {"ttl", r.ttl},
          {"from_cache", r.from_cache},
          {"detail", r.detail},
          {"queries_sent", r.queries_sent},
          {"total_queries", total_queries},
          {"cnames", records_json(r.cnames)},
          {"records", records_json(r.records)},
          {"trace", trace}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"resolve_probe: the resolver library, one JSON line per name (tests only)"};
  cli::ResolverOptions options;
  cli::add_resolver_options(app, options);
  bool serve_stale = false;
  unsigned pause_ms = 0;
  std::vector<std::string> questions;
  app.add_option("--resolv-conf", options.resolv_conf, "resolv.conf to read without --resolver");
  app.add_flag("--serve-stale", serve_stale, "Answer from expired data when every server fails");
  app.add_option("--pause", pause_ms, "Milliseconds to wait between names");
  app.add_option("questions", questions, "NAME/TYPE, resolved in order by one resolver")
      ->required();
  CLI11_PARSE(app, argc, argv);

  auto config = cli::make_resolver_config(options);
  if (!config) {
    std::fprintf(stderr, "resolve_probe: %s\n", config.error().message.c_str());
    return 2;
  }
  config->trace = true;
  config->serve_stale = serve_stale;
  asio::io_context io;
  resolver::Resolver resolver(io.get_executor(), *config);
  int status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < questions.size(); ++i) {
          const auto& q = questions[i];
          auto slash = q.rfind('/');
          std::string name_text = q.substr(0, slash == std::string::npos ? q.size() : slash);
          if (!name_text.ends_with('.')) name_text.push_back('.');
          auto name = dns::Name::from_text(name_text);
          auto type = dns::type_from_text(slash == std::string::npos ? "A" : q.substr(slash + 1));
          if (!name || !type) {
            std::fprintf(stderr, "resolve_probe: bad question \"%s\"\n", q.c_str());
            status = 2;
            co_return;
          }
          if (i > 0 && pause_ms > 0) {
            asio::steady_timer timer(io, std::chrono::milliseconds(pause_ms));
            co_await timer.async_wait(asio::use_awaitable);
          }
          auto r = co_await resolver.resolve(*name, *type);
          std::printf("%s\n", resolution_json(r, resolver.queries_sent()).dump().c_str());
          std::fflush(stdout);
        }
      },
      asio::detached);
  io.run();
  return status;
}
