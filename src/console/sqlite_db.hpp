// A thin owner of an SQLite connection and its prepared statements: every value is bound as a
// parameter (no SQL is ever built from input), and every failure becomes a message with
// SQLite's reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "core/result.hpp"

namespace mxkit::console::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Parameters are numbered from 1, in the order of the "?" in the SQL.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::optional<std::int64_t> value);  // NULL when empty

  // Runs to the next row: true with a row, false when done; an error otherwise.
  core::Result<bool> step();
  // Runs a statement that returns no rows.
  core::Result<void> run();

  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  static core::Result<Database> open(const std::string& path);
  Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database& operator=(Database&&) = delete;
  ~Database() { sqlite3_close_v2(db_); }

  core::Result<Statement> prepare(std::string_view sql);
  // Runs SQL without parameters (schema, PRAGMA, BEGIN/COMMIT).
  core::Result<void> exec(const std::string& sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace mxkit::console::sqlite
