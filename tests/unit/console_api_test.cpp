// The JSON API's handlers over a real SQLite store in a temporary directory, without sockets.
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "console/api.hpp"
#include "console/sqlite_store.hpp"

namespace mxkit::console {
namespace {

using nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mxkit-console-api-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    store_ = std::move(*open_sqlite_store(dir_));
    ApiOptions options;
    options.api_keys = {"secret-key"};
    options.today = [] { return std::chrono::year{2026} / std::chrono::December / 5; };
    api_ = std::make_unique<Api>(*store_, nullptr, options);
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ApiResponse call(std::string method, std::string path, std::string body = {},
                   std::string key = "secret-key") {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    if (!key.empty()) r.headers["x-api-key"] = key;
    return api_->handle(r);
  }
  json call_json(std::string method, std::string path, std::string body, int status) {
    auto r = call(std::move(method), std::move(path), std::move(body));
    EXPECT_EQ(r.status, status) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  void make_zone() {
    call_json(
        "POST", "/api/v1/zones",
        R"({"name":"example.test","zone_text":"@ 3600 IN SOA ns1 hostmaster 0 3600 900 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\nmail IN A 192.0.2.25\n"})",
        201);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, Authentication) {
  EXPECT_EQ(call("GET", "/api/v1/health", {}, "").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/zones", {}, "").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/zones", {}, "wrong").status, 403);
  EXPECT_EQ(call("GET", "/api/v1/zones").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/nothing").status, 404);
  EXPECT_EQ(call("PATCH", "/api/v1/zones").status, 405);
}

TEST_F(ApiTest, BadBodies) {
  EXPECT_EQ(call_json("POST", "/api/v1/zones", "{", 400)["error"], "the body is not valid JSON");
  EXPECT_EQ(call_json("POST", "/api/v1/zones", R"({"name":"a.test","bogus":1})", 400)["field"],
            "bogus");
  EXPECT_EQ(call_json("POST", "/api/v1/zones", R"({"name":5})", 400)["field"], "name");
  EXPECT_EQ(call_json("POST", "/api/v1/zones", "[]", 400)["field"], nullptr);
}

TEST_F(ApiTest, CreateAddValidateAndAudit) {
  make_zone();
  auto zone = call_json("GET", "/api/v1/zones/example.test", {}, 200);
  EXPECT_EQ(zone["zone"]["serial"], 2026120500);
  // An IP as the MX value: refused with the field named.
  auto bad = call_json("POST", "/api/v1/zones/example.test/records",
                       R"({"name":"@","type":"MX","priority":10,"value":"192.0.2.1."})", 422);
  EXPECT_EQ(bad["errors"][0]["code"], "target-is-ip-literal");
  EXPECT_EQ(bad["errors"][0]["field"], "value");
  auto range = call_json("POST", "/api/v1/zones/example.test/records",
                         R"({"name":"@","type":"MX","priority":70000,"value":"mail"})", 422);
  EXPECT_EQ(range["errors"][0]["code"], "priority-range");
  auto warn =
      call_json("POST", "/api/v1/zones/example.test/records",
                R"({"name":"@","type":"MX","priority":10,"value":"mail","ttl":604800})", 422);
  EXPECT_EQ(warn["warnings"][0]["code"], "mx-ttl-long");
  auto ok = call_json(
      "POST", "/api/v1/zones/example.test/records",
      R"({"name":"@","type":"MX","priority":10,"value":"mail","ttl":604800,"accept_warnings":true})",
      201);
  EXPECT_EQ(ok["serial"], 2026120501);
  EXPECT_EQ(ok["record"]["value"], "mail.example.test.");
  const auto id = ok["record"]["id"].get<std::int64_t>();
  auto put = call_json("PUT", "/api/v1/zones/example.test/records/" + std::to_string(id),
                       R"({"name":"@","type":"MX","priority":20,"value":"mail","ttl":3600})", 200);
  EXPECT_EQ(put["serial"], 2026120502);
  auto preview = call_json(
      "POST", "/api/v1/zones/example.test/changes",
      R"({"dry_run":true,"changes":[{"op":"delete","id":)" + std::to_string(id) + "}]}", 200);
  EXPECT_EQ(preview["next_serial"], 2026120503);
  EXPECT_EQ(call("DELETE", "/api/v1/zones/example.test/records/" + std::to_string(id)).status, 200);
  auto audit = call_json("GET", "/api/v1/zones/example.test/audit", {}, 200);
  EXPECT_EQ(audit["entries"].size(), 4u);
  EXPECT_EQ(audit["entries"][0]["serial_after"], 2026120503);
  auto exported = call("GET", "/api/v1/zones/example.test/export");
  EXPECT_NE(exported.body.find("2026120503"), std::string::npos) << exported.body;
  auto list = call_json("GET", "/api/v1/zones/example.test/records", {}, 200);
  EXPECT_EQ(list["total"], 4);
}

TEST_F(ApiTest, ConcurrentWritersAllLand) {
  make_zone();
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([this, i] {
      auto r = call("POST", "/api/v1/zones/example.test/records",
                    R"({"name":"w)" + std::to_string(i) + R"(","type":"A","value":"192.0.2.7"})");
      EXPECT_EQ(r.status, 201) << r.body;
    });
  for (auto& t : threads) t.join();
  ApiRequest req;
  req.method = "GET";
  req.path = "/api/v1/zones/example.test/audit";
  req.query["limit"] = "1000";
  req.headers["x-api-key"] = "secret-key";
  auto audit = json::parse(api_->handle(req).body);
  ASSERT_EQ(audit["entries"].size(), 21u);
  for (std::size_t i = 0; i + 1 < audit["entries"].size(); ++i)
    EXPECT_EQ(audit["entries"][i]["serial_before"], audit["entries"][i + 1]["serial_after"]);
}

// A change whose outside target is slow to look up does not hold the zone's other writers:
// the lookup runs before the zone's lock is taken.
TEST(ApiTargetLookup, SlowLookupDoesNotHoldOtherWritersOfTheZone) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mxkit-console-slow-lookup-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = std::move(*open_sqlite_store(dir));
  std::promise<void> lookup_started, release;
  auto released = release.get_future().share();
  ApiOptions options;
  options.api_keys = {"k"};
  options.look_up_targets = [&](const std::vector<std::string>& names) {
    TargetAddresses found;
    for (const auto& name : names) {
      if (name == "slow.elsewhere.test.") {
        lookup_started.set_value();
        released.wait();  // a silent name server, until the test lets it answer
      }
      found.insert_or_assign(name, TargetAddress{TargetAddress::State::has_address, ""});
    }
    return found;
  };
  Api api(*store, nullptr, options);
  auto call = [&](std::string path, std::string body) {
    ApiRequest r;
    r.method = "POST";
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers["x-api-key"] = "k";
    return api.handle(r);
  };
  ASSERT_EQ(call("/api/v1/zones", R"({"name":"example.test","ns":["ns1.elsewhere.test."]})").status,
            201);
  auto slow = std::async(std::launch::async, [&] {
    return call("/api/v1/zones/example.test/records",
                R"({"name":"@","type":"MX","priority":10,"value":"slow.elsewhere.test."})");
  });
  lookup_started.get_future().wait();
  auto quick = std::async(std::launch::async, [&] {
    return call("/api/v1/zones/example.test/records",
                R"({"name":"www","type":"A","value":"192.0.2.80"})");
  });
  // The other writer finishes while the slow lookup still waits.
  ASSERT_EQ(quick.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(quick.get().status, 201);
  EXPECT_EQ(slow.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  release.set_value();
  EXPECT_EQ(slow.get().status, 201);
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mxkit::console
