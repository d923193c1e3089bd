// deliver_probe: delivers messages with the SMTP courier library (routing, failover, dead-host
// memory, connection reuse) and prints each delivery's outcomes as one JSON line, so the system
// tests can check the courier against scripted servers without a queue around it. Test-only.
//   deliver_probe [resolver options] [--smtp-port N] [--route D=H[:P]]... [--relayhost H[:P]]
//                 [--self NAME|IP]... [--connect-timeout MS] [--greeting-timeout MS]
//                 [--count N] [--no-tls] --from ADDR --to ADDR...
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/resolver_options.hpp"
#include "delivery/smtp_courier.hpp"
#include "routing/address.hpp"

using namespace mxkit;

int main(int argc, char** argv) {
  CLI::App app{"deliver_probe: the SMTP courier library, one JSON line per delivery (tests only)"};
  cli::ResolverOptions resolver_options;
  cli::add_resolver_options(app, resolver_options);
  std::uint16_t smtp_port = 25;
  std::vector<std::string> routes, self, to;
  std::string relayhost, from, helo = "probe.test";
  unsigned connect_ms = 5000, greeting_ms = 5000, count = 1, dead_ms = 30000;
  bool no_tls = false;
  app.add_option("--smtp-port", smtp_port);
  app.add_option("--route", routes);
  app.add_option("--relayhost", relayhost);
  app.add_option("--self", self);
  app.add_option("--helo", helo);
  app.add_option("--connect-timeout", connect_ms);
  app.add_option("--greeting-timeout", greeting_ms);
  app.add_option("--dead-host-memory", dead_ms);
  app.add_option("--count", count, "Messages to deliver, all at once");
  app.add_flag("--no-tls", no_tls);
  app.add_option("--from", from)->required();
  app.add_option("--to", to)->required();
  CLI11_PARSE(app, argc, argv);

  auto config = cli::make_resolver_config(resolver_options);
  if (!config) {
    std::fprintf(stderr, "deliver_probe: %s\n", config.error().message.c_str());
    return 2;
  }
  delivery::CourierOptions options;
  options.smtp_port = smtp_port;
  options.connection.client.helo_name = helo;
  if (!no_tls) options.connection.tls = delivery::make_client_tls_context();
  options.connection.timeouts.connect = std::chrono::milliseconds(connect_ms);
  options.connection.timeouts.greeting = std::chrono::milliseconds(greeting_ms);
  options.connection.timeouts.command = std::chrono::milliseconds(greeting_ms);
  options.dead_host_memory = std::chrono::milliseconds(dead_ms);
  for (const auto& r : routes) {
    auto route = delivery::parse_route(r, smtp_port);
    if (!route) {
      std::fprintf(stderr, "deliver_probe: --route %s\n", route.error().message.c_str());
      return 2;
    }
    options.routes.insert(std::move(*route));
  }
  if (!relayhost.empty()) options.relayhost = *delivery::parse_relay(relayhost, smtp_port);
  for (const auto& s : self) {
    if (auto a = routing::parse_address(s)) {
      options.routing.self_addresses.push_back(*a);
    } else {
      options.routing.self_names.push_back(*dns::Name::from_text(s.back() == '.' ? s : s + "."));
    }
  }
  options.log = [](std::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };

  asio::io_context io(1);
  resolver::Resolver resolver(io.get_executor(), *config);
  delivery::SmtpCourier courier(io.get_executor(), resolver, options, 1);
  std::map<std::string, std::vector<std::string>> by_domain;
  for (const auto& address : to) {
    std::string domain = address.substr(address.rfind('@') + 1);
    for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    by_domain[domain].push_back(address);
  }
  std::size_t open = 0;
  for (unsigned m = 0; m < count; ++m) {
    for (const auto& [domain, recipients] : by_domain) {
      delivery::DeliveryRequest request;
      request.queue_id = fmt::format("PROBE{:011X}", m);
      request.domain = domain;
      request.sender = from;
      request.recipients = recipients;
      request.content = fmt::format(
          "Subject: probe {}\r\nMessage-ID: <probe.{}@probe.test>\r\n\r\n"
          "message {}\r\n.a line with a dot\r\n",
          m, m, m);
      request.arrival = std::chrono::system_clock::now();
      ++open;
      asio::co_spawn(
          io, courier.deliver(std::move(request)),
          [&, m, domain = domain](std::exception_ptr e, std::vector<delivery::RecipientOutcome> outcomes) {
            nlohmann::json line = {{"message", m}, {"domain", domain}};
            auto list = nlohmann::json::array();
            for (const auto& o : outcomes)
              list.push_back({{"status", std::string(delivery::status_name(o.status))},
                              {"dsn", o.dsn},
                              {"reply", o.reply},
                              {"relay", o.relay},
                              {"remote", o.remote}});
            line["outcomes"] = list;
            if (e) line["error"] = "exception";
            std::printf("%s\n", line.dump().c_str());
            std::fflush(stdout);
            if (--open == 0) asio::co_spawn(io, courier.close_idle(), [](std::exception_ptr) {});
          });
    }
  }
  io.run();
  const auto stats = courier.stats();
  std::printf("%s\n", nlohmann::json({{"summary", true},
                                      {"connections", stats.connections},
                                      {"reused", stats.reused},
                                      {"dead_skips", stats.dead_skips},
                                      {"queries", resolver.queries_sent()}})
                          .dump()
                          .c_str());
  return 0;
}
