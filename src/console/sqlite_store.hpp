// The console store in SQLite (DIR/console.db): the default back end, for one mxkit primary.
#pragma once

#include <filesystem>
#include <memory>

#include "console/store.hpp"

namespace mxkit::console {

// Creates `dir` when missing, opens DIR/console.db (WAL journal, a busy timeout so a second
// process waits rather than fails) and applies the migrations it lacks.
core::Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& dir);

// "2026-12-05T17:20:00Z": now, in UTC, to the second (RFC 3339), as every store writes times.
std::string utc_now_rfc3339();

}  // namespace mxkit::console
