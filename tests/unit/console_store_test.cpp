// The console store's contract (src/console/store.hpp), one suite for every back end.
#include "console_store_test.hpp"

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "console/migrations.hpp"
#include "console/sqlite_store.hpp"
#include "console_postgres_server.hpp"

namespace mxkit::console {
namespace {

using testing::StoreFactory;

Record rec(std::string name, std::string type, std::string value,
           std::optional<std::uint16_t> priority = std::nullopt, std::uint32_t ttl = 3600) {
  Record r;
  r.name = std::move(name);
  r.type = std::move(type);
  r.value = std::move(value);
  r.priority = priority;
  r.ttl = ttl;
  return r;
}

AuditEntry note(std::string zone, std::string action, std::uint32_t before, std::uint32_t after) {
  AuditEntry a;
  a.zone = std::move(zone);
  a.actor = "api-key";
  a.action = std::move(action);
  a.serial_before = before;
  a.serial_after = after;
  a.detail = "{}";
  return a;
}

class StoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    std::string skip;
    store_ = GetParam().open(skip);
    // A store that should open and did not has failed the test already: stop here (a skip
    // after a failure would still run the body).
    if (!store_) {
      ASSERT_FALSE(skip.empty()) << "the store did not open";
      GTEST_SKIP() << skip;
    }
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().cleanup) GetParam().cleanup();
  }
  Zone make_zone(const std::string& name, std::uint32_t serial = 1) {
    Zone z;
    z.name = name;
    z.serial = serial;
    auto made = store_->create_zone(
        z,
        {rec(name, "SOA", "ns1." + name + " hostmaster." + name + " 1 3600 900 604800 300"),
         rec(name, "NS", "ns1." + name)},
        note(name, "create-zone", 0, serial));
    EXPECT_TRUE(made) << made.error().message;
    return made ? *made : Zone{};
  }
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, CreatesListsAndGetsZones) {
  make_zone("b.test.");
  make_zone("a.test.", 7);
  auto zones = store_->list_zones();
  ASSERT_TRUE(zones);
  ASSERT_EQ(zones->size(), 2u);
  EXPECT_EQ((*zones)[0].name, "a.test.");
  EXPECT_EQ((*zones)[0].serial, 7u);
  EXPECT_EQ((*zones)[0].created_at.size(), 20u);  // 2026-12-05T17:20:00Z
  EXPECT_EQ((*zones)[0].created_at.back(), 'Z');
  auto one = store_->get_zone("b.test.");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->serial, 1u);
  auto none = store_->get_zone("c.test.");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, StoreFailure::not_found);
}

TEST_P(StoreTest, CreateOfAnExistingZoneIsAConflictAndChangesNothing) {
  make_zone("a.test.");
  Zone z{"a.test.", 99, {}, {}};
  auto again = store_->create_zone(z, {rec("a.test.", "A", "192.0.2.1")},
                                   note("a.test.", "create-zone", 0, 99));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreFailure::conflict);
  EXPECT_EQ(store_->get_zone("a.test.")->serial, 1u);
  EXPECT_EQ(store_->records("a.test.")->size(), 2u);
  EXPECT_EQ(store_->audit("a.test.", 10, 0)->size(), 1u);
}

TEST_P(StoreTest, RecordsKeepEveryColumnAndPriorityOnlyWhenSet) {
  make_zone("a.test.");
  auto ids = store_->commit(
      "a.test.", 1, 2,
      {Change{Change::Kind::add, rec("a.test.", "MX", "mail.a.test.", 10, 300)},
       Change{Change::Kind::add, rec("mail.a.test.", "A", "192.0.2.25")},
       Change{Change::Kind::add, rec("_sip._tcp.a.test.", "SRV", "5 5060 sip.a.test.", 0)},
       Change{Change::Kind::add, rec("a.test.", "TXT", "\"v=spf1 -all\" \"it's; ok\"")}},
      note("a.test.", "change", 1, 2));
  ASSERT_TRUE(ids) << ids.error().message;
  ASSERT_EQ(ids->size(), 4u);
  EXPECT_LT((*ids)[0], (*ids)[1]);
  auto all = store_->records("a.test.");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 6u);
  const Record& mx = (*all)[2];
  EXPECT_EQ(mx.id, (*ids)[0]);
  EXPECT_EQ(mx.name, "a.test.");
  EXPECT_EQ(mx.type, "MX");
  EXPECT_EQ(mx.ttl, 300u);
  EXPECT_EQ(mx.priority, std::optional<std::uint16_t>(10));
  EXPECT_EQ(mx.value, "mail.a.test.");
  EXPECT_FALSE((*all)[3].priority);
  EXPECT_EQ((*all)[4].priority, std::optional<std::uint16_t>(0));
  EXPECT_EQ((*all)[5].value, "\"v=spf1 -all\" \"it's; ok\"");  // quotes go in as data
  EXPECT_EQ(store_->get_zone("a.test.")->serial, 2u);
}

TEST_P(StoreTest, CommitWithAStaleSerialIsAConflictAndChangesNothing) {
  make_zone("a.test.", 5);
  auto stale =
      store_->commit("a.test.", 4, 6, {Change{Change::Kind::add, rec("a.test.", "A", "192.0.2.1")}},
                     note("a.test.", "change", 4, 6));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, StoreFailure::conflict);
  EXPECT_EQ(store_->records("a.test.")->size(), 2u);
  EXPECT_EQ(store_->get_zone("a.test.")->serial, 5u);
  EXPECT_EQ(store_->audit("a.test.", 10, 0)->size(), 1u);
}

TEST_P(StoreTest, UpdateAndRemoveByIdAndAMissingIdRollsBackTheWhole) {
  make_zone("a.test.");
  auto ids = store_->commit("a.test.", 1, 2,
                            {Change{Change::Kind::add, rec("www.a.test.", "A", "192.0.2.1")},
                             Change{Change::Kind::add, rec("ftp.a.test.", "A", "192.0.2.2")}},
                            note("a.test.", "change", 1, 2));
  ASSERT_TRUE(ids);
  Record changed = rec("www.a.test.", "A", "192.0.2.9", std::nullopt, 60);
  changed.id = (*ids)[0];
  Record gone;
  gone.id = (*ids)[1];
  Record missing;
  missing.id = (*ids)[1] + 1000;
  // The missing id comes last: the update and remove before it must be undone.
  auto bad =
      store_->commit("a.test.", 2, 3,
                     {Change{Change::Kind::update, changed}, Change{Change::Kind::remove, gone},
                      Change{Change::Kind::remove, missing}},
                     note("a.test.", "change", 2, 3));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, StoreFailure::not_found);
  EXPECT_EQ(store_->records("a.test.")->size(), 4u);
  EXPECT_EQ(store_->get_zone("a.test.")->serial, 2u);

  auto good = store_->commit(
      "a.test.", 2, 3, {Change{Change::Kind::update, changed}, Change{Change::Kind::remove, gone}},
      note("a.test.", "change", 2, 3));
  ASSERT_TRUE(good) << good.error().message;
  auto all = store_->records("a.test.");
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].id, (*ids)[0]);
  EXPECT_EQ((*all)[2].value, "192.0.2.9");
  EXPECT_EQ((*all)[2].ttl, 60u);
}

TEST_P(StoreTest, ARecordOfAnotherZoneCannotBeTouched) {
  make_zone("a.test.");
  make_zone("b.test.");
  auto b_records = store_->records("b.test.");
  Record other = (*b_records)[0];
  auto r = store_->commit("a.test.", 1, 2, {Change{Change::Kind::remove, other}},
                          note("a.test.", "change", 1, 2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, StoreFailure::not_found);
  EXPECT_EQ(store_->records("b.test.")->size(), 2u);
}

TEST_P(StoreTest, AuditIsNewestFirstWithPaging) {
  make_zone("a.test.");
  for (std::uint32_t s = 1; s < 6; ++s) {
    auto r = store_->commit("a.test.", s, s + 1,
                            {Change{Change::Kind::add, rec("a.test.", "TXT", "\"n\"")}},
                            note("a.test.", "change", s, s + 1));
    ASSERT_TRUE(r);
  }
  auto page = store_->audit("a.test.", 3, 0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].serial_after, 6u);
  EXPECT_EQ((*page)[0].action, "change");
  EXPECT_EQ((*page)[0].actor, "api-key");
  EXPECT_EQ((*page)[0].detail, "{}");
  EXPECT_FALSE((*page)[0].at.empty());
  auto next = store_->audit("a.test.", 10, (*page)[2].id);
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 3u);
  EXPECT_EQ((*next)[2].action, "create-zone");
  EXPECT_TRUE(store_->audit("b.test.", 10, 0)->empty());
}

TEST_P(StoreTest, DeleteZoneRemovesRecordsButKeepsTheAudit) {
  make_zone("a.test.");
  ASSERT_TRUE(store_->delete_zone("a.test.", note("a.test.", "delete-zone", 1, 1)));
  EXPECT_EQ(store_->get_zone("a.test.").error().kind, StoreFailure::not_found);
  EXPECT_EQ(store_->records("a.test.").error().kind, StoreFailure::not_found);
  EXPECT_EQ(store_->audit("a.test.", 10, 0)->size(), 2u);
  auto again = store_->delete_zone("a.test.", note("a.test.", "delete-zone", 1, 1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreFailure::not_found);
  // The name can be used again, and ids are never handed out twice.
  make_zone("a.test.");
  EXPECT_EQ(store_->records("a.test.")->size(), 2u);
}

TEST_P(StoreTest, Sessions) {
  Session s{"abc123", "csrf1", "2030-01-01T00:00:00Z"};
  ASSERT_TRUE(store_->put_session(s));
  ASSERT_TRUE(store_->put_session(Session{"old", "csrf2", "2020-01-01T00:00:00Z"}));
  auto got = store_->get_session("abc123");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->csrf_token, "csrf1");
  ASSERT_TRUE(store_->delete_expired_sessions("2026-12-05T00:00:00Z"));
  EXPECT_EQ(store_->get_session("old").error().kind, StoreFailure::not_found);
  ASSERT_TRUE(store_->delete_session("abc123"));
  EXPECT_EQ(store_->get_session("abc123").error().kind, StoreFailure::not_found);
}

TEST_P(StoreTest, ConcurrentCommitsOnOneSerialLetExactlyOneThrough) {
  make_zone("a.test.");
  std::atomic<int> won{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = store_->commit("a.test.", 1, 2,
                              {Change{Change::Kind::add, rec("a.test.", "TXT", "\"x\"")}},
                              note("a.test.", "change", 1, 2));
      if (r)
        ++won;
      else if (r.error().kind == StoreFailure::conflict)
        ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
  EXPECT_EQ(store_->records("a.test.")->size(), 3u);
}

TEST_P(StoreTest, CommitsSurviveAReopen) {
  make_zone("a.test.");
  ASSERT_TRUE(store_->commit("a.test.", 1, 2,
                             {Change{Change::Kind::add, rec("a.test.", "A", "192.0.2.1")}},
                             note("a.test.", "change", 1, 2)));
  store_.reset();
  store_ = GetParam().reopen();
  ASSERT_TRUE(store_);
  EXPECT_EQ(store_->get_zone("a.test.")->serial, 2u);
  EXPECT_EQ(store_->records("a.test.")->size(), 3u);
  EXPECT_EQ(store_->audit("a.test.", 10, 0)->size(), 2u);
}

StoreFactory sqlite_factory() {
  auto dir = std::make_shared<std::filesystem::path>();
  return StoreFactory{"sqlite",
                      [dir](std::string&) -> std::unique_ptr<Store> {
                        *dir = std::filesystem::temp_directory_path() /
                               ("mxkit-console-store-" + std::to_string(::getpid()));
                        std::filesystem::remove_all(*dir);
                        auto s = open_sqlite_store(*dir);
                        EXPECT_TRUE(s) << s.error().message;
                        return s ? std::move(*s) : nullptr;
                      },
                      [dir]() -> std::unique_ptr<Store> {
                        auto s = open_sqlite_store(*dir);
                        EXPECT_TRUE(s) << s.error().message;
                        return s ? std::move(*s) : nullptr;
                      },
                      [dir] { std::filesystem::remove_all(*dir); }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(sqlite_factory()),
                         [](const auto& param_info) { return param_info.param.name; });
// The same suite on a real PostgreSQL server, a fresh database per test
// (console_postgres_server.hpp).
INSTANTIATE_TEST_SUITE_P(Postgresql, StoreTest, ::testing::Values(testing::postgres_factory()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(SqliteStore, MigratesOnceAndRecordsTheVersion) {
  auto dir = std::filesystem::temp_directory_path() /
             ("mxkit-console-migrate-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(open_sqlite_store(dir));
  auto again = open_sqlite_store(dir);  // the second open finds the schema current
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir / "console.db"));
  std::filesystem::remove_all(dir);
}

TEST(SqliteStore, AFileWhereTheDirectoryShouldBeIsAClearError) {
  auto file =
      std::filesystem::temp_directory_path() / ("mxkit-console-file-" + std::to_string(::getpid()));
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  auto s = open_sqlite_store(file);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find(file.string()), std::string::npos) << s.error().message;
  std::filesystem::remove(file);
}

TEST(Migrations, AreNumberedFromOneWithoutGapsAndFillTheKeyType) {
  int expected = 1;
  for (const auto& m : migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_EQ(migration_sql(m, SqlDialect::sqlite).find("{{"), std::string::npos);
    EXPECT_NE(migration_sql(m, SqlDialect::postgresql).find("IDENTITY"), std::string::npos);
  }
  EXPECT_EQ(split_statements("A; B ;\n;C").size(), 3u);
}

}  // namespace
}  // namespace mxkit::console
