#include "console_postgres_server.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console/pg_db.hpp"
#include "console/postgres_store.hpp"

namespace mxkit::console::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kHelper = fs::path(MXKIT_SOURCE_DIR) / "tests/system/postgres_instance.py";
constexpr int kSkipStatus = 77;  // postgres_instance.py: the binaries are absent

// As postgres_instance.py decides it (MXKIT_POSTGRES_BIN overrides the Debian path).
bool binaries_present() {
  const char* env = std::getenv("MXKIT_POSTGRES_BIN");
  const fs::path bin = env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
  return fs::exists(bin / "initdb") && fs::exists(bin / "pg_ctl");
}

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

int run_helper(const std::string& command, const fs::path& state) {
  const std::string line =
      fmt::format("/usr/bin/python3 '{}' {} '{}' >&2", kHelper.string(), command, state.string());
  const int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A server this process started because nobody gave one: stopped (by the PID its data
// directory records) when the process exits.
struct OwnServer {
  fs::path state;
  std::string uri;
  std::string skip;
  bool failed = false;

  OwnServer() {
    state = fs::temp_directory_path() / fmt::format("mxkit-pg-state-{}", ::getpid());
    const int status = run_helper("start", state);
    if (status == kSkipStatus)
      skip =
          "the PostgreSQL binaries are absent (Debian `postgresql`; scripts/bootstrap installs it)";
    else if (status != 0)
      failed = true;
    else
      uri = first_line(state / "admin_uri");
  }
  ~OwnServer() {
    if (!uri.empty()) run_helper("stop", state);
    std::error_code ec;
    fs::remove_all(state, ec);
  }
};

std::string random_tag() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

bool admin_exec(const std::string& admin_uri, const std::string& sql) {
  auto target = pg::describe_target(admin_uri);
  if (!target) {
    ADD_FAILURE() << target.error().message;
    return false;
  }
  auto conn = pg::Connection::open(admin_uri, *target);
  if (!conn) {
    ADD_FAILURE() << conn.error().message;
    return false;
  }
  auto r = (*conn)->exec(sql);
  if (!r) ADD_FAILURE() << sql << ": " << r.error().message;
  return r.has_value();
}

}  // namespace

std::string postgres_admin_uri(std::string& skip_reason) {
  if (const char* uri = std::getenv("MXKIT_TEST_POSTGRES"); uri != nullptr && *uri != '\0')
    return uri;
  if (const char* file = std::getenv("MXKIT_TEST_POSTGRES_FILE");
      file != nullptr && *file != '\0') {
    if (fs::exists(file)) return first_line(file);
    // ctest's setup (console_postgres_start) writes the file unless it skipped for want of
    // the binaries; anything else is a broken setup.
    if (!binaries_present()) {
      skip_reason = "the PostgreSQL binaries are absent (Debian `postgresql`)";
      return {};
    }
    ADD_FAILURE() << file << " is missing: the console_postgres_start fixture did not run";
    return {};
  }
  static OwnServer server;
  if (server.failed) ADD_FAILURE() << "the PostgreSQL test server did not start (see above)";
  skip_reason = server.skip;
  return server.uri;
}

PostgresDatabase new_postgres_database(std::string& skip_reason) {
  const std::string admin = postgres_admin_uri(skip_reason);
  if (admin.empty()) return {};
  const std::string name = fmt::format("mxkit_t{}_{}", ::getpid(), random_tag());
  const std::string password = random_tag() + random_tag();
  // Names and password are ours (digits and hex), so they can be spelled in the SQL.
  if (!admin_exec(admin, fmt::format("CREATE ROLE {} LOGIN PASSWORD '{}'", name, password)) ||
      !admin_exec(admin, fmt::format("CREATE DATABASE {} OWNER {}", name, name)))
    return {};
  // The admin URI's host and port, the new role's name and password.
  const auto at = admin.rfind('@');
  const auto slash = admin.find('/', at);
  return PostgresDatabase{fmt::format("postgresql://{}:{}@{}/{}", name, password,
                                      admin.substr(at + 1, slash - at - 1), name),
                          name};
}

void drop_postgres_database(const PostgresDatabase& db) {
  if (db.name.empty()) return;
  std::string skip;
  const std::string admin = postgres_admin_uri(skip);
  if (admin.empty()) return;
  admin_exec(admin, fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
  admin_exec(admin, fmt::format("DROP ROLE IF EXISTS {}", db.name));
}

StoreFactory postgres_factory() {
  auto db = std::make_shared<PostgresDatabase>();
  return StoreFactory{"postgresql",
                      [db](std::string& skip) -> std::unique_ptr<Store> {
                        *db = new_postgres_database(skip);
                        if (db->uri.empty()) return nullptr;
                        auto s = open_postgres_store(db->uri);
                        EXPECT_TRUE(s) << s.error().message;
                        return s ? std::move(*s) : nullptr;
                      },
                      [db]() -> std::unique_ptr<Store> {
                        auto s = open_postgres_store(db->uri);
                        EXPECT_TRUE(s) << s.error().message;
                        return s ? std::move(*s) : nullptr;
                      },
                      [db] {
                        drop_postgres_database(*db);
                        *db = {};
                      }};
}

}  // namespace mxkit::console::testing
