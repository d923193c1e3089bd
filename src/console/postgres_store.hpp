// The console store in PostgreSQL ("postgresql://user@host:port/db"): the back end several
// mxkit primaries share. The schema is the SQLite store's (console/migrations.hpp); a commit's
// expected-serial check locks the zone's row (SELECT … FOR UPDATE), so two primaries never both
// commit on one serial: the second waits for the first, then sees the new serial and fails with
// StoreFailure::conflict.
#pragma once

#include <memory>
#include <string>

#include "console/store.hpp"

namespace mxkit::console {

// Connects (the error names user@host:port/db and the server's reason, never the password),
// applies the migrations the database lacks (under an advisory lock, so primaries starting
// together do not race) and returns the store. Its connections are a small pool shared by the
// calling threads; a connection that breaks is replaced at the next call, and a call that found
// its connection broken before anything was committed runs once more on a new one.
core::Result<std::unique_ptr<Store>> open_postgres_store(const std::string& uri);

}  // namespace mxkit::console
