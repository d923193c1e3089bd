// The console's DNS side over a real DnsServer on loopback: records published and withdrawn,
// propagation per server with caught_up_at, and the Test button's findings and route plan.
#include <ctime>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "console/dns_publisher.hpp"
#include "console/propagation.hpp"
#include "console/target_lookup.hpp"
#include "console/zone_build.hpp"
#include "console/zone_report.hpp"
#include "managed_zones_helpers.hpp"

namespace mxkit::console {
namespace {

using auth::test::free_port;
using auth::test::ServerThread;
using auth::test::soa_serial;

std::vector<Record> example_records(std::uint32_t serial, std::uint16_t mx_priority = 10) {
  return {
      {1,
       "example.test.",
       3600,
       "SOA",
       {},
       fmt::format("ns1.example.test. hostmaster.example.test. {} 3600 600 86400 300", serial)},
      {2, "example.test.", 3600, "NS", {}, "ns1.example.test."},
      {3, "ns1.example.test.", 3600, "A", {}, "127.0.0.1"},
      {4, "example.test.", 3600, "MX", mx_priority, "mx1.example.test."},
      {5, "mx1.example.test.", 3600, "A", {}, "192.0.2.1"},
      {6, "example.test.", 3600, "TXT", {}, "\"v=spf1 mx -all\""},
  };
}

Zone zone_at(std::uint32_t serial) { return Zone{"example.test.", serial, "", ""}; }

auth::ServerOptions options_on(std::uint16_t port) {
  auth::ServerOptions options;
  options.listen.push_back({"127.0.0.1", port});
  return options;
}

TEST(ZoneBuild, RecordLines) {
  Record mx{4, "example.test.", 300, "MX", 10, "mx1.example.test."};
  EXPECT_EQ(record_line(mx), "example.test. 300 IN MX 10 mx1.example.test.");
  Record a{5, "mx1.example.test.", 60, "A", {}, "192.0.2.1"};
  EXPECT_EQ(record_line(a), "mx1.example.test. 60 IN A 192.0.2.1");
}

TEST(ZoneBuild, ErrorsNameTheRecord) {
  auto records = example_records(1);
  records.push_back({42, "bad.example.test.", 60, "A", {}, "not-an-address"});
  auto zone = build_zone("example.test.", records);
  ASSERT_FALSE(zone);
  EXPECT_NE(zone.error().message.find("record 42 (bad.example.test. A)"), std::string::npos)
      << zone.error().message;
  records.back().value = "192.0.2.9\nevil.example.test. 60 IN A 192.0.2.10";
  auto split = build_zone("example.test.", records);
  ASSERT_FALSE(split);
  EXPECT_NE(split.error().message.find("line break"), std::string::npos);
  records.erase(records.begin());  // no SOA
  records.pop_back();
  EXPECT_FALSE(build_zone("example.test.", records));
}

TEST(DnsPublisher, PublishReplaceWithdraw) {
  const auto port = free_port();
  ServerThread server(options_on(port), {});
  DnsPublisher publisher(*server);
  const auto origin = *dns::Name::from_text("example.test.");

  ASSERT_TRUE(publisher.publish(zone_at(2026120501), example_records(2026120501)));
  EXPECT_EQ(*soa_serial(port, origin), 2026120501u);
  ASSERT_TRUE(publisher.publish(zone_at(2026120502), example_records(2026120502, 20)));
  EXPECT_EQ(*soa_serial(port, origin), 2026120502u);

  // Records that do not build a zone leave the served copy as it was.
  auto broken = example_records(2026120503);
  broken[3].value = "mx1.example.test. extra";
  auto refused = publisher.publish(zone_at(2026120503), broken);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("record 4"), std::string::npos) << refused.error().message;
  // The store's serial and the SOA's must agree.
  EXPECT_FALSE(publisher.publish(zone_at(2026120509), example_records(2026120503)));
  EXPECT_EQ(*soa_serial(port, origin), 2026120502u);

  publisher.withdraw("example.test.");
  EXPECT_FALSE(soa_serial(port, origin));
}

TEST(Propagation, PerServerCaughtUp) {
  const auto primary_port = free_port();
  ServerThread primary(options_on(primary_port), {});
  const auto secondary_port = free_port();
  ServerThread secondary(options_on(secondary_port), {});  // a stand-in copy we set by hand
  DnsPublisher to_primary(*primary), to_secondary(*secondary);
  ASSERT_TRUE(to_primary.publish(zone_at(7), example_records(7)));
  ASSERT_TRUE(to_secondary.publish(zone_at(6), example_records(6)));

  PropagationOptions options;
  options.ns_port = primary_port;
  options.secondaries.push_back({"127.0.0.1", secondary_port});
  options.secondaries.push_back({"127.0.0.1", free_port()});  // nobody there
  options.timeout = std::chrono::milliseconds(300);
  PropagationTracker tracker(options);

  auto status = tracker.status_json(zone_at(7), example_records(7));
  ASSERT_EQ(status["servers"].size(), 3u) << status.dump();
  EXPECT_EQ(status["zone"], "example.test.");
  EXPECT_EQ(status["serial"], 7);
  const auto& ns = status["servers"][0];
  EXPECT_EQ(ns["name"], "ns1.example.test.");
  EXPECT_EQ(ns["address"], "127.0.0.1");
  EXPECT_EQ(ns["serial"], 7);
  EXPECT_TRUE(ns["caught_up"].get<bool>());
  EXPECT_TRUE(ns["caught_up_at"].is_string());
  const auto& behind = status["servers"][1];
  EXPECT_EQ(behind["name"], "secondary");
  EXPECT_EQ(behind["serial"], 6);
  EXPECT_FALSE(behind["caught_up"].get<bool>());
  EXPECT_TRUE(behind["caught_up_at"].is_null());
  const auto& silent = status["servers"][2];
  EXPECT_TRUE(silent["serial"].is_null());
  EXPECT_NE(silent["error"].get<std::string>(), "");

  // The secondary catches up; the primary's caught_up_at is the time first seen, kept.
  ASSERT_TRUE(to_secondary.publish(zone_at(7), example_records(7)));
  auto later = tracker.status_json(zone_at(7), example_records(7));
  EXPECT_TRUE(later["servers"][1]["caught_up"].get<bool>());
  EXPECT_EQ(later["servers"][0]["caught_up_at"], ns["caught_up_at"]);

  // A new commit: nobody has it until it is served.
  auto next = tracker.probe(zone_at(8), example_records(8));
  EXPECT_FALSE(next[0].caught_up);
  EXPECT_TRUE(next[0].caught_up_at.empty());
}

TEST(Propagation, NameServersWithoutAddress) {
  auto records = example_records(1);
  records[1].value = "ns.elsewhere.test.";
  PropagationOptions options;
  options.timeout = std::chrono::milliseconds(200);
  PropagationTracker tracker(options);
  auto servers = tracker.probe(zone_at(1), records);
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].name, "ns.elsewhere.test.");
  EXPECT_NE(servers[0].error.find("no resolver"), std::string::npos) << servers[0].error;
}

TEST(ZoneReport, FindingsAndPlan) {
  auto good = zone_report_json(zone_at(1), example_records(1), {});
  EXPECT_EQ(good["zone"], "example.test.");
  const auto plan = zone_route_plan("example.test.", example_records(1), {});
  EXPECT_EQ(plan.outcome, routing::Outcome::Deliverable);
  ASSERT_EQ(plan.targets.size(), 1u);

  // The article's mistake: an IP address as the MX value.
  auto records = example_records(1);
  records[3].value = "192.0.2.1.";
  auto bad = zone_report_json(zone_at(1), records, {});
  bool named = false;
  for (const auto& f : bad["findings"])
    if (f["record_id"] == 4) named = true;
  EXPECT_TRUE(named) << bad.dump(2);
  EXPECT_GT(bad["summary"]["errors"].get<int>() + bad["summary"]["warnings"].get<int>(), 0);
  // Said once, by the zone check that names the record, not again by the plan's MX area.
  int ip_literal = 0;
  for (const auto& f : bad["findings"]) ip_literal += f["code"] == "target-is-ip-literal";
  EXPECT_EQ(ip_literal, 1) << bad.dump(2);
  EXPECT_EQ(bad["mx"], nullptr);  // no plan formatter given
}

}  // namespace
}  // namespace mxkit::console

namespace mxkit::console {
namespace {

// At start `mxkit serve` publishes every zone of the store: a restart serves them again.
TEST(DnsPublisher, PublishAllFromTheStore) {
  const auto dir = auth::test::scratch_dir("console-publish-all");
  auto store = open_store((dir / "data").string());
  ASSERT_TRUE(store) << store.error().message;
  AuditEntry audit;
  audit.actor = "test";
  audit.action = "create-zone";
  ASSERT_TRUE((*store)->create_zone(zone_at(2026120501), example_records(2026120501), audit));
  auto other = example_records(3);
  for (auto& r : other) {
    auto at = r.name.find("example.test.");
    r.name.replace(at, 13, "other.test.");
    if (r.type == "NS" || r.type == "MX")
      r.value.replace(r.value.find("example.test."), 13, "other.test.");
  }
  other[0].value = "ns1.other.test. hostmaster.other.test. 3 3600 600 86400 300";
  ASSERT_TRUE((*store)->create_zone(Zone{"other.test.", 3, "", ""}, other, audit));

  const auto port = free_port();
  ServerThread server(options_on(port), {});
  DnsPublisher publisher(*server);
  std::vector<std::string> failures;
  auto published = publish_all(**store, publisher, failures);
  ASSERT_TRUE(published) << published.error().message;
  EXPECT_EQ(*published, 2u);
  EXPECT_TRUE(failures.empty());
  EXPECT_EQ(*soa_serial(port, *dns::Name::from_text("example.test.")), 2026120501u);
  EXPECT_EQ(*soa_serial(port, *dns::Name::from_text("other.test.")), 3u);
}

}  // namespace
}  // namespace mxkit::console

#include "console/api.hpp"
#include "console/dns_endpoints.hpp"

namespace mxkit::console {
namespace {

// One API request with the key every test here configures ("k").
ApiResponse call_api(Api& api, std::string method, std::string path, std::string body) {
  ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.headers["x-api-key"] = "k";
  return api.handle(r);
}

// The API with the DNS side: a zone created and an MX added over the API are served at once
// with the new serial; /propagation and /check answer for it.
TEST(DnsEndpoints, ApiPublishesAndReports) {
  const auto dir = auth::test::scratch_dir("console-dns-endpoints");
  auto store = open_store((dir / "data").string());
  ASSERT_TRUE(store) << store.error().message;
  const auto port = free_port();
  ServerThread server(options_on(port), {});
  DnsPublisher publisher(*server);
  ApiOptions api_options;
  api_options.api_keys = {"k"};
  Api api(**store, &publisher, api_options);
  PropagationOptions propagation;
  propagation.ns_port = port;
  add_dns_endpoints(api, std::make_shared<PropagationTracker>(propagation), {});
  auto call = [&](std::string method, std::string path, std::string body) {
    return call_api(api, std::move(method), std::move(path), std::move(body));
  };
  auto created =
      call("POST", "/api/v1/zones",
           R"({"name":"example.test","zone_text":"@ 3600 IN SOA ns1 hostmaster 1 3600 )"
           R"(900 1209600 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\nmail IN A 192.0.2.25\n"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto origin = *dns::Name::from_text("example.test.");
  auto first = soa_serial(port, origin);
  ASSERT_TRUE(first) << first.error().message;
  auto added = call("POST", "/api/v1/zones/example.test/records",
                    R"({"name":"@","ttl":3600,"type":"MX","priority":10,"value":"mail"})");
  ASSERT_EQ(added.status, 201) << added.body;
  auto second = soa_serial(port, origin);
  ASSERT_TRUE(second);
  EXPECT_NE(*second, *first);

  auto status = call("GET", "/api/v1/zones/example.test/propagation", "");
  ASSERT_EQ(status.status, 200) << status.body;
  auto json = nlohmann::json::parse(status.body);
  EXPECT_EQ(json["serial"], *second);
  ASSERT_EQ(json["servers"].size(), 1u) << status.body;
  EXPECT_TRUE(json["servers"][0]["caught_up"].get<bool>()) << status.body;

  auto check = call("POST", "/api/v1/zones/example.test/check", "");
  ASSERT_EQ(check.status, 200) << check.body;
  auto report = nlohmann::json::parse(check.body);
  EXPECT_EQ(report["zone"], "example.test.");
  EXPECT_TRUE(report["findings"].is_array());
  EXPECT_EQ(call("GET", "/api/v1/zones/nothing.test/propagation", "").status, 404);
}

}  // namespace
}  // namespace mxkit::console

namespace mxkit::console {
namespace {

// Zones given as files (--zone) are listed read-only; every write to them is 409.
TEST(DnsEndpoints, FileZonesReadOnly) {
  const auto dir = auth::test::scratch_dir("console-read-only");
  auto store = open_store((dir / "data").string());
  ASSERT_TRUE(store) << store.error().message;
  ApiOptions options;
  options.api_keys = {"k"};
  options.read_only_zones = {"files.test."};
  Api api(**store, nullptr, options);
  auto call = [&](std::string method, std::string path, std::string body) {
    return call_api(api, std::move(method), std::move(path), std::move(body));
  };
  auto list = nlohmann::json::parse(call("GET", "/api/v1/zones", "").body);
  ASSERT_EQ(list["zones"].size(), 1u);
  EXPECT_EQ(list["zones"][0]["name"], "files.test.");
  EXPECT_TRUE(list["zones"][0]["read_only"].get<bool>());
  EXPECT_EQ(call("GET", "/api/v1/zones/files.test", "").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/zones", R"({"name":"files.test"})").status, 409);
  EXPECT_EQ(call("POST", "/api/v1/zones/files.test/records",
                 R"({"name":"@","type":"MX","priority":10,"value":"mail"})")
                .status,
            409);
  EXPECT_EQ(call("DELETE", "/api/v1/zones/files.test", "").status, 409);
  EXPECT_EQ(call("DELETE", "/api/v1/zones/files.test/records/1", "").status, 409);
}

}  // namespace
}  // namespace mxkit::console

namespace mxkit::console {
namespace {

// With resolver options the Test button adds `mxkit check`'s report for the zone, here through
// a stub resolver pointed at the DNS role that serves the zone.
TEST(ZoneReport, WithResolverRunsTheCheckReport) {
  const auto port = free_port();
  ServerThread server(options_on(port), {});
  DnsPublisher publisher(*server);
  ASSERT_TRUE(publisher.publish(zone_at(1), example_records(1)));
  ZoneReportOptions options;
  resolver::ResolverConfig config;
  config.servers.push_back({asio::ip::make_address("127.0.0.1"), port});
  config.timeout = std::chrono::milliseconds(300);
  config.budget = std::chrono::milliseconds(2000);
  options.resolver = config;
  options.check.smtp = false;
  options.check.probe.timeout = std::chrono::milliseconds(300);
  options.check.probe.dns_port = port;
  options.report_json = [](const checks::Report& r) {
    return nlohmann::json{{"domain", r.domain}, {"findings", r.findings.size()}};
  };
  auto report = zone_report_json(zone_at(1), example_records(1), options);
  ASSERT_TRUE(report["report"].is_object()) << report.dump(2);
  EXPECT_EQ(report["report"]["domain"], "example.test.");
  bool beyond_zone = false;  // areas only the check report covers (SPF, DMARC, name servers…)
  for (const auto& f : report["findings"])
    if (f["area"] != "zone" && f["area"] != "mx") beyond_zone = true;
  EXPECT_TRUE(beyond_zone) << report.dump(2);
}

}  // namespace
}  // namespace mxkit::console

namespace mxkit::console {
namespace {

// A zone outside the console's, served by a real DnsServer: mx1 has an address, mx2 does not
// exist, mx3 exists with a TXT record only (NODATA for A and AAAA).
std::vector<Record> elsewhere_records() {
  return {
      {1,
       "elsewhere.test.",
       3600,
       "SOA",
       {},
       "ns1.elsewhere.test. hostmaster.elsewhere.test. 1 3600 600 86400 300"},
      {2, "elsewhere.test.", 3600, "NS", {}, "ns1.elsewhere.test."},
      {3, "ns1.elsewhere.test.", 3600, "A", {}, "127.0.0.1"},
      {4, "mx1.elsewhere.test.", 3600, "A", {}, "192.0.2.41"},
      {5, "mx3.elsewhere.test.", 3600, "TXT", {}, "\"no address here\""},
  };
}

resolver::ResolverConfig stub_to(std::uint16_t port) {
  resolver::ResolverConfig config;
  config.servers.push_back({asio::ip::make_address("127.0.0.1"), port});
  return config;
}

TEST(TargetLookup, AnswersFromARealServer) {
  const auto port = free_port();
  ServerThread server(options_on(port), {});
  DnsPublisher publisher(*server);
  ASSERT_TRUE(publisher.publish(Zone{"elsewhere.test.", 1, "", ""}, elsewhere_records()));
  using State = TargetAddress::State;
  const auto found = look_up_targets(
      stub_to(port), {"mx1.elsewhere.test.", "mx2.elsewhere.test.", "mx3.elsewhere.test."});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found.at("mx1.elsewhere.test.").state, State::has_address);
  EXPECT_EQ(found.at("mx2.elsewhere.test.").state, State::no_address);
  EXPECT_NE(found.at("mx2.elsewhere.test.").detail.find("nxdomain"), std::string::npos)
      << found.at("mx2.elsewhere.test.").detail;
  EXPECT_EQ(found.at("mx3.elsewhere.test.").state, State::no_address);
  // Over max_names: the rest are said not verified, not looked up.
  TargetLookupOptions one;
  one.max_names = 1;
  const auto capped =
      look_up_targets(stub_to(port), {"mx1.elsewhere.test.", "mx2.elsewhere.test."}, one);
  EXPECT_EQ(capped.at("mx1.elsewhere.test.").state, State::has_address);
  EXPECT_EQ(capped.at("mx2.elsewhere.test.").state, State::unverified);
}

// A server that takes queries and never answers: the lookup ends within its budget, unverified.
TEST(TargetLookup, SilentServerIsBoundedAndUnverified) {
  asio::io_context io;
  asio::ip::udp::socket silent(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  TargetLookupOptions options;
  options.timeout = std::chrono::milliseconds(200);
  options.budget = std::chrono::milliseconds(600);
  const auto start = std::chrono::steady_clock::now();
  const auto found = look_up_targets(stub_to(silent.local_endpoint().port()),
                                     {"mx1.elsewhere.test.", "mx2.elsewhere.test."}, options);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(found.at("mx1.elsewhere.test.").state, TargetAddress::State::unverified);
  EXPECT_NE(found.at("mx1.elsewhere.test.").detail.find("timeout"), std::string::npos)
      << found.at("mx1.elsewhere.test.").detail;
}

// The API with the lookups wired as `mxkit serve` wires them: an MX to an outside name without
// an address is a warning that blocks until accepted; one with an address saves at once.
TEST(TargetLookup, ApiWarnsOnOutsideTargetWithoutAddress) {
  const auto port = free_port();
  ServerThread server(options_on(port), {});
  DnsPublisher publisher(*server);
  ASSERT_TRUE(publisher.publish(Zone{"elsewhere.test.", 1, "", ""}, elsewhere_records()));
  const auto dir = auth::test::scratch_dir("console-target-lookup");
  auto store = open_store((dir / "data").string());
  ASSERT_TRUE(store) << store.error().message;
  ApiOptions options;
  options.api_keys = {"k"};
  options.look_up_targets = [config = stub_to(port)](const std::vector<std::string>& names) {
    return look_up_targets(config, names);
  };
  Api api(**store, nullptr, options);
  auto call = [&](std::string method, std::string path, std::string body) {
    return call_api(api, std::move(method), std::move(path), std::move(body));
  };
  ASSERT_EQ(call("POST", "/api/v1/zones", R"({"name":"example.test","ns":["ns1.elsewhere.test."]})")
                .status,
            201);
  auto good = call("POST", "/api/v1/zones/example.test/records",
                   R"({"name":"@","type":"MX","priority":10,"value":"mx1.elsewhere.test."})");
  EXPECT_EQ(good.status, 201) << good.body;
  auto bad = call("POST", "/api/v1/zones/example.test/records",
                  R"({"name":"@","type":"MX","priority":20,"value":"mx2.elsewhere.test."})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  auto refused = nlohmann::json::parse(bad.body);
  ASSERT_EQ(refused["warnings"].size(), 1u) << bad.body;
  EXPECT_EQ(refused["warnings"][0]["code"], "target-no-address");
  EXPECT_EQ(refused["warnings"][0]["field"], "value");
  auto accepted = call(
      "POST", "/api/v1/zones/example.test/records",
      R"({"name":"@","type":"MX","priority":20,"value":"mx2.elsewhere.test.","accept_warnings":true})");
  EXPECT_EQ(accepted.status, 201) << accepted.body;
  // Saved with the warning accepted, it no longer blocks unrelated edits.
  auto other = call("POST", "/api/v1/zones/example.test/records",
                    R"({"name":"www","type":"A","value":"192.0.2.80"})");
  EXPECT_EQ(other.status, 201) << other.body;
}

}  // namespace
}  // namespace mxkit::console

namespace mxkit::console {
namespace {

// "2026-12-05T17:40:02Z" → seconds since the epoch.
std::int64_t epoch_of(const std::string& rfc3339) {
  std::tm tm{};
  EXPECT_NE(strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr) << rfc3339;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::int64_t epoch_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// After a publish the tracker asks the servers by itself: a secondary that catches up while
// nobody calls probe() has caught_up_at from the watch, before the first probe.
TEST(Propagation, WatchRecordsCatchUpWithoutPolling) {
  const auto primary_port = free_port();
  ServerThread primary(options_on(primary_port), {});
  const auto secondary_port = free_port();
  ServerThread secondary(options_on(secondary_port), {});
  DnsPublisher to_primary(*primary), to_secondary(*secondary);
  ASSERT_TRUE(to_primary.publish(zone_at(7), example_records(7)));
  ASSERT_TRUE(to_secondary.publish(zone_at(6), example_records(6)));

  PropagationOptions options;
  options.ns_port = primary_port;
  options.secondaries.push_back({"127.0.0.1", secondary_port});
  options.timeout = std::chrono::milliseconds(300);
  options.poll_interval = std::chrono::milliseconds(200);
  PropagationTracker tracker(options);
  tracker.watch(zone_at(7), example_records(7));

  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(to_secondary.publish(zone_at(7), example_records(7)));
  const auto caught_up = epoch_now();
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  const auto asked = epoch_now();
  const auto servers = tracker.probe(zone_at(7), example_records(7));
  ASSERT_EQ(servers.size(), 2u);
  for (const auto& s : servers) {
    ASSERT_TRUE(s.caught_up) << s.port << " " << s.error;
    // Seen by the watch within a poll of catching up, seconds before this first probe.
    EXPECT_LE(epoch_of(s.caught_up_at), caught_up + 1) << s.port;
    EXPECT_LE(epoch_of(s.caught_up_at), asked - 2) << s.port;
  }
  EXPECT_GE(epoch_of(servers[1].caught_up_at), caught_up - 1);  // not before it had the serial
}

// A newer publish ends the older watch; the watch of a serial nobody serves ends at watch_for.
TEST(Propagation, WatchEnds) {
  const auto port = free_port();
  ServerThread server(options_on(port), {});
  DnsPublisher publisher(*server);
  ASSERT_TRUE(publisher.publish(zone_at(7), example_records(7)));
  PropagationOptions options;
  options.ns_port = port;
  options.timeout = std::chrono::milliseconds(200);
  options.poll_interval = std::chrono::milliseconds(100);
  options.watch_for = std::chrono::milliseconds(500);
  auto tracker = std::make_unique<PropagationTracker>(options);
  tracker->watch(zone_at(8), example_records(8));  // never served: polled until watch_for
  tracker->watch(zone_at(9), example_records(9));  // supersedes 8
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  tracker.reset();  // joins the watch thread at once, whatever is pending
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace mxkit::console
