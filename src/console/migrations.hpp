// The console store's schema as numbered migrations, shared by the SQLite and PostgreSQL back
// ends: one list of SQL texts in the subset both dialects accept, with the one thing they spell
// differently (an auto-assigned integer key) written as a placeholder each back end fills in.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxkit::console {

struct Migration {
  int version;               // 1, 2, …: applied in order, each once (the schema_version table)
  std::string_view summary;  // what it does, for logs
  std::string_view sql;      // statements separated by ";"; "{{id}}" is the key column's type
};

enum class SqlDialect { sqlite, postgresql };

std::span<const Migration> migrations();

// `migration.sql` with "{{id}}" replaced by the dialect's auto-assigned 64-bit primary key.
std::string migration_sql(const Migration& migration, SqlDialect dialect);

// The statements of `sql`, split at ";" (the migrations hold no ";" inside literals), trimmed,
// empty ones dropped: PostgreSQL's extended protocol runs one statement per call.
std::vector<std::string> split_statements(std::string_view sql);

}  // namespace mxkit::console
