// What only the PostgreSQL store must do, against a real server (console_postgres_server.hpp):
// several primaries sharing one database, the expected-serial check made under the row lock,
// reconnecting after the server ends its sessions, and connection errors that name the server
// and never the password. The store's general contract runs in console_store_test.cpp.
#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "console/migrations.hpp"
#include "console/pg_db.hpp"
#include "console/postgres_store.hpp"
#include "console_postgres_server.hpp"

namespace mxkit::console {
namespace {

using testing::PostgresDatabase;

Record txt(std::string name, std::string value) {
  Record r;
  r.name = std::move(name);
  r.type = "TXT";
  r.value = std::move(value);
  r.ttl = 300;
  return r;
}

AuditEntry note(std::string zone, std::uint32_t before, std::uint32_t after) {
  AuditEntry a;
  a.zone = std::move(zone);
  a.actor = "api-key";
  a.action = "change";
  a.serial_before = before;
  a.serial_after = after;
  a.detail = "{}";
  return a;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = testing::new_postgres_database(skip);
    if (db_.uri.empty()) {
      ASSERT_FALSE(skip.empty()) << "no PostgreSQL database for the test";
      GTEST_SKIP() << skip;
    }
  }
  void TearDown() override { testing::drop_postgres_database(db_); }

  std::unique_ptr<Store> open() {
    auto s = open_postgres_store(db_.uri);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  // A plain libpq session on the same database: another primary, or an operator at psql.
  std::unique_ptr<pg::Connection> raw(const std::string& uri) {
    target_ = *pg::describe_target(uri);
    auto c = pg::Connection::open(uri, target_);
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
  static void make_zone(Store& store, const std::string& name) {
    auto made =
        store.create_zone(Zone{name, 1, {}, {}}, {txt(name, "\"first\"")}, note(name, 0, 1));
    ASSERT_TRUE(made) << made.error().message;
  }

  PostgresDatabase db_;
  pg::Target target_;
};

// Two mxkit primaries (two stores, each with its own connections) and four writers each, all
// on one zone: every writer reads the serial, commits serial+1 and retries on conflict. No
// change may be lost, and the serials in the audit log must form one unbroken increasing chain.
TEST_F(PostgresStoreTest, TwoPrimariesCommittingOnOneZoneLoseNothing) {
  auto primary_a = open();
  auto primary_b = open();
  ASSERT_TRUE(primary_a && primary_b);
  make_zone(*primary_a, "shared.test.");
  constexpr int kWritersPerPrimary = 4, kCommitsPerWriter = 10, kMaxAttempts = 1000;
  std::atomic<int> conflicts{0}, errors{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2 * kWritersPerPrimary; ++w)
    writers.emplace_back([&, w] {
      Store& store = w % 2 == 0 ? *primary_a : *primary_b;
      for (int c = 0; c < kCommitsPerWriter; ++c) {
        const std::string value =
            "\"writer " + std::to_string(w) + " change " + std::to_string(c) + "\"";
        for (int attempt = 0;; ++attempt) {
          auto zone = store.get_zone("shared.test.");
          if (!zone || attempt == kMaxAttempts) {
            ++errors;
            return;
          }
          auto r = store.commit("shared.test.", zone->serial, zone->serial + 1,
                                {Change{Change::Kind::add, txt("shared.test.", value)}},
                                note("shared.test.", zone->serial, zone->serial + 1));
          if (r) break;
          if (r.error().kind != StoreFailure::conflict) {
            ADD_FAILURE() << r.error().message;
            ++errors;
            return;
          }
          ++conflicts;
        }
      }
    });
  for (auto& t : writers) t.join();
  ASSERT_EQ(errors.load(), 0);
  constexpr int kTotal = 2 * kWritersPerPrimary * kCommitsPerWriter;
  EXPECT_EQ(primary_b->get_zone("shared.test.")->serial, 1u + kTotal);
  auto records = primary_b->records("shared.test.");
  ASSERT_TRUE(records);
  std::set<std::string> values;
  for (const auto& r : *records) values.insert(r.value);
  EXPECT_EQ(records->size(), 1u + kTotal);
  EXPECT_EQ(values.size(), 1u + kTotal);  // every change, once
  auto log = primary_a->audit("shared.test.", 1000, 0);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 1u + kTotal);
  // Newest first: each entry starts where the next older one ended.
  for (std::size_t i = 0; i + 1 < log->size(); ++i) {
    EXPECT_EQ((*log)[i].serial_before, (*log)[i + 1].serial_after);
    EXPECT_GT((*log)[i].serial_after, (*log)[i].serial_before);
  }
  RecordProperty("conflicts_retried", conflicts.load());
}

TEST_F(PostgresStoreTest, TheSecondPrimaryOnAReadSerialGetsAConflict) {
  auto primary_a = open();
  auto primary_b = open();
  ASSERT_TRUE(primary_a && primary_b);
  make_zone(*primary_a, "a.test.");
  const auto seen_by_b = primary_b->get_zone("a.test.")->serial;
  ASSERT_TRUE(primary_a->commit("a.test.", 1, 2,
                                {Change{Change::Kind::add, txt("a.test.", "\"a\"")}},
                                note("a.test.", 1, 2)));
  auto late = primary_b->commit("a.test.", seen_by_b, seen_by_b + 1,
                                {Change{Change::Kind::add, txt("a.test.", "\"b\"")}},
                                note("a.test.", seen_by_b, seen_by_b + 1));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, StoreFailure::conflict);
  EXPECT_NE(late.error().message.find("serial 2"), std::string::npos) << late.error().message;
  EXPECT_EQ(primary_b->records("a.test.")->size(), 2u);
}

// The check and the write are one step: a commit that starts while another session holds the
// zone's row waits for it, then sees the serial that session wrote, and changes nothing.
TEST_F(PostgresStoreTest, ACommitWaitsForTheRowAndThenSeesTheNewSerial) {
  auto store = open();
  ASSERT_TRUE(store);
  make_zone(*store, "a.test.");
  auto other = raw(db_.uri);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->exec("BEGIN"));
  ASSERT_TRUE(other->exec("SELECT serial FROM zones WHERE name = 'a.test.' FOR UPDATE"));
  auto pending = std::async(std::launch::async, [&] {
    return store->commit("a.test.", 1, 2, {Change{Change::Kind::add, txt("a.test.", "\"late\"")}},
                         note("a.test.", 1, 2));
  });
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "the commit did not wait for the row lock";
  ASSERT_TRUE(other->exec("UPDATE zones SET serial = 2 WHERE name = 'a.test.'"));
  ASSERT_TRUE(other->exec("COMMIT"));
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto r = pending.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, StoreFailure::conflict);
  EXPECT_EQ(store->records("a.test.")->size(), 1u);
}

// A session that keeps the zone's row (a stuck primary, an open psql transaction) fails the
// waiting commit after lock_timeout (10 s by default; the URI's options may set it) with a
// clear error, and the store is fine afterwards.
TEST_F(PostgresStoreTest, ARowHeldTooLongFailsTheCommitAfterTheLockTimeout) {
  auto store = open_postgres_store(db_.uri + "?options=-c%20lock_timeout%3D300ms");
  ASSERT_TRUE(store) << store.error().message;
  make_zone(**store, "a.test.");
  auto other = raw(db_.uri);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->exec("BEGIN"));
  ASSERT_TRUE(other->exec("SELECT serial FROM zones WHERE name = 'a.test.' FOR UPDATE"));
  auto r =
      (*store)->commit("a.test.", 1, 2, {Change{Change::Kind::add, txt("a.test.", "\"blocked\"")}},
                       note("a.test.", 1, 2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, StoreFailure::error);
  EXPECT_NE(r.error().message.find("stayed locked"), std::string::npos) << r.error().message;
  ASSERT_TRUE(other->exec("ROLLBACK"));
  EXPECT_TRUE((*store)->commit("a.test.", 1, 2,
                               {Change{Change::Kind::add, txt("a.test.", "\"free\"")}},
                               note("a.test.", 1, 2)));
}

// An import of a large zone goes in batches of rows: every record arrives, in order, whole.
TEST_F(PostgresStoreTest, ALargeZoneIsCreatedWithEveryRecord) {
  auto store = open();
  ASSERT_TRUE(store);
  constexpr int kRecords = 10'001;  // twenty full batches and one row
  std::vector<Record> records;
  for (int i = 0; i < kRecords; ++i)
    // fmt, not operator+: g++ 12 at -O3 warns falsely (-Wrestrict) on "r" + to_string(i).
    records.push_back(txt(fmt::format("r{}.big.test.", i), fmt::format("\"{}\"", i)));
  const auto start = std::chrono::steady_clock::now();
  auto made = store->create_zone(Zone{"big.test.", 1, {}, {}}, records, note("big.test.", 0, 1));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(made) << made.error().message;
  auto back = store->records("big.test.");
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), static_cast<std::size_t>(kRecords));
  for (int i = 0; i < kRecords; i += 997) {
    EXPECT_EQ((*back)[static_cast<std::size_t>(i)].name, records[static_cast<std::size_t>(i)].name);
    EXPECT_EQ((*back)[static_cast<std::size_t>(i)].value,
              records[static_cast<std::size_t>(i)].value);
  }
  EXPECT_EQ(back->back().name, records.back().name);
  RecordProperty(
      "create_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerEndsItsSessions) {
  auto store = open();
  ASSERT_TRUE(store);
  make_zone(*store, "a.test.");
  std::string skip;
  const std::string admin_uri = testing::postgres_admin_uri(skip);
  // Two idle connections in the pool, both about to be cut.
  auto t1 = std::async(std::launch::async, [&] { return store->list_zones(); });
  auto t2 = std::async(std::launch::async, [&] { return store->list_zones(); });
  ASSERT_TRUE(t1.get() && t2.get());
  auto admin = raw(admin_uri);
  ASSERT_TRUE(admin);
  auto ended = admin->exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
      pg::Params().add(db_.name));
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_GE(ended->integer(0, 0), 1);
  auto zone = store->get_zone("a.test.");
  ASSERT_TRUE(zone) << zone.error().message;
  auto ids = store->commit("a.test.", 1, 2, {Change{Change::Kind::add, txt("a.test.", "\"x\"")}},
                           note("a.test.", 1, 2));
  ASSERT_TRUE(ids) << ids.error().message;
  EXPECT_EQ(store->get_zone("a.test.")->serial, 2u);
}

TEST_F(PostgresStoreTest, PrimariesStartingTogetherMigrateOnce) {
  std::vector<std::future<bool>> opening;
  for (int i = 0; i < 4; ++i)
    opening.push_back(std::async(std::launch::async, [&] { return open() != nullptr; }));
  for (auto& o : opening) EXPECT_TRUE(o.get());
  auto conn = raw(db_.uri);
  ASSERT_TRUE(conn);
  auto rows = conn->exec("SELECT count(*), count(DISTINCT version) FROM schema_version");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->integer(0, 0), static_cast<std::int64_t>(migrations().size()));
  EXPECT_EQ(rows->integer(0, 1), static_cast<std::int64_t>(migrations().size()));
}

TEST_F(PostgresStoreTest, AWrongPasswordIsNamedButNotShown) {
  const std::string uri = db_.uri;
  const auto colon = uri.find(':', std::string("postgresql://").size());
  const auto at = uri.find('@');
  const std::string wrong = "Wr0ng-Pa55word";
  auto s = open_postgres_store(uri.substr(0, colon + 1) + wrong + uri.substr(at));
  ASSERT_FALSE(s);
  const std::string& m = s.error().message;
  EXPECT_NE(m.find("password authentication failed"), std::string::npos) << m;
  EXPECT_NE(m.find(db_.name + "@127.0.0.1:"), std::string::npos) << m;
  EXPECT_EQ(m.find(wrong), std::string::npos) << m;
}

TEST_F(PostgresStoreTest, ARoleThatMayNotCreateTablesGetsAClearError) {
  std::string skip;
  auto admin = raw(testing::postgres_admin_uri(skip));
  ASSERT_TRUE(admin);
  const std::string role = db_.name + "_ro";
  ASSERT_TRUE(admin->exec("CREATE ROLE " + role + " LOGIN PASSWORD 'ro-pass-1'"));
  const auto at = db_.uri.find('@');
  auto s = open_postgres_store("postgresql://" + role + ":ro-pass-1" + db_.uri.substr(at));
  (void)admin->exec("DROP ROLE " + role);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("schema up to date"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("permission denied"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("ro-pass-1"), std::string::npos) << s.error().message;
}

// No server needed: nothing listens on the port.
TEST(PostgresStoreConnect, NoServerIsAClearErrorNamingTheHost) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);  // bound, never listened: connections to it are refused
  const auto start = std::chrono::steady_clock::now();
  auto s = open_postgres_store("postgresql://mxkit:S3cret-Pw@127.0.0.1:" + std::to_string(port) +
                               "/console");
  ASSERT_FALSE(s);
  const std::string& m = s.error().message;
  EXPECT_NE(m.find("mxkit@127.0.0.1:" + std::to_string(port) + "/console"), std::string::npos) << m;
  EXPECT_NE(m.find("cannot connect"), std::string::npos) << m;
  EXPECT_NE(m.find("refused"), std::string::npos) << m;
  EXPECT_EQ(m.find("S3cret-Pw"), std::string::npos) << m;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(PostgresStoreConnect, AMalformedUriNeverShowsThePassword) {
  for (const std::string uri :
       {"postgresql://u:S3cret-Pw@[::1/db", "postgresql://u:S3cret-Pw@h/db?bogus=1",
        "postgresql://u:S3cret%2DPw@127.0.0.1:notaport/db"}) {
    auto s = open_postgres_store(uri);
    ASSERT_FALSE(s) << uri;
    EXPECT_EQ(s.error().message.find("S3cret"), std::string::npos) << s.error().message;
    EXPECT_FALSE(s.error().message.empty());
  }
}

TEST(PostgresStoreConnect, RedactsTheWrittenAndTheDecodedPassword) {
  EXPECT_EQ(pg::redact("a p%40ss b p@ss c", "p%40ss"), "a ******** b ******** c");
  EXPECT_EQ(pg::redact("nothing here", ""), "nothing here");
  auto t = pg::describe_target("postgresql://alice:pw@db.example.test:6543/zones");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->description, "alice@db.example.test:6543/zones");
  EXPECT_EQ(t->password, "pw");
}

}  // namespace
}  // namespace mxkit::console
