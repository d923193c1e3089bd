// The JSON API on two mxkit primaries that share one PostgreSQL database (each with its own
// Api and store, as two processes would have): concurrent writers through both lose nothing,
// and the zone's serial only ever goes up. The API's own suite (console_api_test.cpp) runs on
// SQLite; this is what sharing adds.
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "console/api.hpp"
#include "console/postgres_store.hpp"
#include "console_postgres_server.hpp"

namespace mxkit::console {
namespace {

using nlohmann::json;

struct Primary {
  std::unique_ptr<Store> store;
  std::unique_ptr<Api> api;

  ApiResponse call(std::string method, std::string path, std::string body = {}) {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers["x-api-key"] = "secret-key";
    if (r.method == "GET") r.query["limit"] = "1000";
    return api->handle(r);
  }
};

class PostgresApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = testing::new_postgres_database(skip);
    if (db_.uri.empty()) {
      ASSERT_FALSE(skip.empty()) << "no PostgreSQL database for the test";
      GTEST_SKIP() << skip;
    }
    for (auto* p : {&a_, &b_}) {
      auto s = open_postgres_store(db_.uri);
      ASSERT_TRUE(s) << s.error().message;
      p->store = std::move(*s);
      ApiOptions options;
      options.api_keys = {"secret-key"};
      options.today = [] { return std::chrono::year{2026} / std::chrono::December / 5; };
      p->api = std::make_unique<Api>(*p->store, nullptr, options);
    }
  }
  void TearDown() override {
    for (auto* p : {&a_, &b_}) {
      p->api.reset();
      p->store.reset();
    }
    testing::drop_postgres_database(db_);
  }
  testing::PostgresDatabase db_;
  Primary a_, b_;
};

TEST_F(PostgresApiTest, FiftyWritersOnTwoPrimariesAllLandWithIncreasingSerials) {
  auto made = a_.call(
      "POST", "/api/v1/zones",
      R"({"name":"example.test","zone_text":"@ 3600 IN SOA ns1 hostmaster 0 3600 900 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n"})");
  ASSERT_EQ(made.status, 201) << made.body;
  constexpr int kWriters = 50;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([this, i] {
      Primary& p = i % 2 == 0 ? a_ : b_;
      auto r = p.call("POST", "/api/v1/zones/example.test/records",
                      fmt::format(R"({{"name":"w{}","type":"A","value":"192.0.2.{}"}})", i, i + 1));
      EXPECT_EQ(r.status, 201) << r.body;
    });
  for (auto& t : writers) t.join();

  // Both primaries see the same zone: every writer's record, once.
  for (auto* p : {&a_, &b_}) {
    auto records = p->store->records("example.test.");
    ASSERT_TRUE(records);
    std::set<std::string> names;
    for (const auto& r : *records)
      if (r.type == "A" && r.name.starts_with("w")) names.insert(r.name);
    EXPECT_EQ(names.size(), static_cast<std::size_t>(kWriters));
  }
  auto audit = json::parse(b_.call("GET", "/api/v1/zones/example.test/audit").body);
  const auto& entries = audit["entries"];
  ASSERT_EQ(entries.size(), kWriters + 1u);
  // Newest first: each change starts at the serial the one before it ended with, and goes up.
  for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
    EXPECT_EQ(entries[i]["serial_before"], entries[i + 1]["serial_after"]);
    EXPECT_GT(entries[i]["serial_after"].get<std::uint32_t>(),
              entries[i]["serial_before"].get<std::uint32_t>());
  }
  EXPECT_EQ(a_.store->get_zone("example.test.")->serial,
            entries[0]["serial_after"].get<std::uint32_t>());
}

}  // namespace
}  // namespace mxkit::console
