// The PostgreSQL server the store tests run against, and a fresh database on it per test.
//
// The server is started by tests/system/postgres_instance.py (initdb into a temporary directory,
// pg_ctl on a free loopback port, as user postgres when run as root), found through:
//   MXKIT_TEST_POSTGRES=URI        a superuser URI of a running server, or
//   MXKIT_TEST_POSTGRES_FILE=PATH  a file holding it (ctest's fixture writes one), or else
//   the test binary runs the helper itself, once, and stops that server when it exits.
// Only when the PostgreSQL binaries are absent (scripts/bootstrap installs them) do the tests
// skip.
#pragma once

#include <string>

#include "console_store_test.hpp"

namespace mxkit::console::testing {

struct PostgresDatabase {
  std::string uri;   // postgresql://ROLE:PASSWORD@127.0.0.1:PORT/ROLE: a role owning its database
  std::string name;  // the database (and its role)
};

// The superuser URI; empty with `skip_reason` set when no server can be had here. A server that
// should start and does not is a test failure (ADD_FAILURE), not a skip.
std::string postgres_admin_uri(std::string& skip_reason);

// A new database owned by a new login role that is no superuser (what docs/console.md asks of
// an operator's role). Empty uri with `skip_reason` when there is no server.
PostgresDatabase new_postgres_database(std::string& skip_reason);
void drop_postgres_database(const PostgresDatabase& db);

// The StoreTest suite's factory for PostgreSQL: a fresh database per test.
StoreFactory postgres_factory();

}  // namespace mxkit::console::testing
