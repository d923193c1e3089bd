// console_dns_probe: the console's DNS side (DnsServer + DnsPublisher + PropagationTracker) as
// `mxkit serve` will wire it, driven line by line on stdin until the HTTP API carries it, so the
// system tests check it against real secondaries (knotd) and dig. Test-only.
//   console_dns_probe --dns-listen IP:PORT [--notify IP:PORT]... [--allow-transfer PREFIX]...
//                     [--journal-dir DIR]
// Each stdin line is a JSON object, each answered by one JSON line on stdout:
//   {"op": "publish", "zone": {"name": "example.test.", "serial": 5}, "records": [RECORD...]}
//   {"op": "withdraw", "zone": {"name": "example.test."}}
//   {"op": "propagation"|"check", "zone": {...}, "records": [...]}
// RECORD: {"id", "name", "ttl", "type", "priority", "value"} as the API gives it.
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "auth/server.hpp"
#include "console/dns_publisher.hpp"
#include "console/propagation.hpp"
#include "console/zone_report.hpp"

namespace {

using namespace mxkit;
using nlohmann::json;

console::Zone zone_of(const json& j) {
  console::Zone zone;
  zone.name = j.at("name").get<std::string>();
  zone.serial = j.value("serial", std::uint32_t{0});
  return zone;
}

std::vector<console::Record> records_of(const json& j) {
  std::vector<console::Record> out;
  for (const auto& r : j) {
    console::Record record;
    record.id = r.value("id", std::int64_t{0});
    record.name = r.at("name").get<std::string>();
    record.ttl = r.value("ttl", std::uint32_t{3600});
    record.type = r.at("type").get<std::string>();
    if (r.contains("priority") && !r["priority"].is_null())
      record.priority = r["priority"].get<std::uint16_t>();
    record.value = r.at("value").get<std::string>();
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"console_dns_probe"};
  std::string listen, journal_dir;
  std::vector<std::string> notify, allow_transfer;
  app.add_option("--dns-listen", listen)->required();
  app.add_option("--notify", notify);
  app.add_option("--allow-transfer", allow_transfer);
  app.add_option("--journal-dir", journal_dir);
  CLI11_PARSE(app, argc, argv);

  auth::ServerOptions options;
  auto address = auth::parse_listen_address(listen);
  if (!address) {
    std::fprintf(stderr, "--dns-listen: %s\n", address.error().message.c_str());
    return 2;
  }
  options.listen.push_back(*address);
  console::PropagationOptions propagation;
  propagation.ns_port = address->port;
  propagation.timeout = std::chrono::milliseconds(500);
  for (const auto& text : notify) {
    auto target = auth::parse_listen_address(text);
    if (!target) return 2;
    options.notify.push_back({target->host, target->port});
    propagation.secondaries.push_back({target->host, target->port});
  }
  for (const auto& text : allow_transfer) {
    auto prefix = auth::AddressPrefix::parse(text);
    if (!prefix) return 2;
    options.transfer_allow.push_back(*prefix);
  }
  options.managed_journal_dir = journal_dir;
  auth::DnsServer server(std::move(options), {});
  if (auto started = server.start(); !started) {
    std::fprintf(stderr, "%s\n", started.error().message.c_str());
    return 1;
  }
  std::thread serving([&] { server.run(); });
  console::DnsPublisher publisher(server);
  console::PropagationTracker tracker(propagation);
  std::string line;
  while (std::getline(std::cin, line)) {
    json out;
    try {
      const auto in = json::parse(line);
      const auto op = in.at("op").get<std::string>();
      const auto zone = zone_of(in.at("zone"));
      if (op == "publish") {
        auto done = publisher.publish(zone, records_of(in.at("records")));
        out = done ? json{{"ok", true}} : json{{"error", done.error().message}};
      } else if (op == "withdraw") {
        publisher.withdraw(zone.name);
        out = {{"ok", true}};
      } else if (op == "propagation") {
        out = tracker.status_json(zone, records_of(in.at("records")));
      } else if (op == "check") {
        out = console::zone_report_json(zone, records_of(in.at("records")), {});
      } else {
        out = {{"error", "unknown op " + op}};
      }
    } catch (const std::exception& e) {
      out = {{"error", e.what()}};
    }
    std::cout << out.dump() << std::endl;
  }
  server.stop();
  serving.join();
  return 0;
}
