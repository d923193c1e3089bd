#include "console/sqlite_db.hpp"

#include <fmt/format.h>

namespace mxkit::console::sqlite {

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go at once.
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  if (value)
    sqlite3_bind_int64(stmt_, index, *value);
  else
    sqlite3_bind_null(stmt_, index);
  return *this;
}

core::Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return core::fail(fmt::format("SQLite: {}", sqlite3_errmsg(db_)));
}

core::Result<void> Statement::run() {
  auto stepped = step();
  if (!stepped) return tl::unexpected(stepped.error());
  return {};
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string();
}

core::Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  // FULLMUTEX: the store already serialises its calls, but a connection that is safe from any
  // thread costs little and guards against a future caller that does not.
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return core::fail(fmt::format("{}: cannot open the SQLite database: {}", path, reason));
  }
  return Database(db);
}

core::Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK)
    return core::fail(fmt::format("SQLite: {}", sqlite3_errmsg(db_)));
  return Statement(db_, stmt);
}

core::Result<void> Database::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return core::fail(fmt::format("SQLite: {}", reason));
  }
  return {};
}

}  // namespace mxkit::console::sqlite
