// The SQLite back end. One connection, its calls serialised by a mutex: SQLite writes one
// transaction at a time anyway, and the API already serialises writers per zone. WAL lets a
// reader in another process (a backup, `sqlite3` by hand) look while we write.
#include "console/sqlite_store.hpp"

#include <chrono>
#include <mutex>
#include <system_error>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "console/migrations.hpp"
#include "console/sqlite_db.hpp"

namespace mxkit::console {
namespace {

using sqlite::Database;
using sqlite::Statement;

tl::unexpected<StoreError> failure(StoreFailure kind, std::string message) {
  return tl::unexpected(StoreError{kind, std::move(message)});
}
tl::unexpected<StoreError> failure(const core::Error& e) {
  return failure(StoreFailure::error, e.message);
}

constexpr std::string_view kRecordColumns = "id, name, ttl, type, priority, value";

Record read_record(const Statement& s) {
  Record r;
  r.id = s.integer(0);
  r.name = s.text(1);
  r.ttl = static_cast<std::uint32_t>(s.integer(2));
  r.type = s.text(3);
  if (!s.is_null(4)) r.priority = static_cast<std::uint16_t>(s.integer(4));
  r.value = s.text(5);
  return r;
}

std::optional<std::int64_t> priority_column(const Record& r) {
  if (!r.priority) return std::nullopt;
  return std::int64_t{*r.priority};
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Database db) : db_(std::move(db)) {}

  core::Result<void> migrate();

  StoreResult<std::vector<Zone>> list_zones() override;
  StoreResult<Zone> get_zone(std::string_view zone) override;
  StoreResult<Zone> create_zone(const Zone& zone, const std::vector<Record>& records,
                                const AuditEntry& audit) override;
  StoreResult<void> delete_zone(std::string_view zone, const AuditEntry& audit) override;
  StoreResult<std::vector<Record>> records(std::string_view zone) override;
  StoreResult<std::vector<std::int64_t>> commit(std::string_view zone,
                                                std::uint32_t expected_serial,
                                                std::uint32_t new_serial,
                                                const std::vector<Change>& changes,
                                                const AuditEntry& audit) override;
  StoreResult<std::vector<AuditEntry>> audit(std::string_view zone, std::size_t limit,
                                             std::int64_t before_id) override;
  StoreResult<void> put_session(const Session& session) override;
  StoreResult<Session> get_session(std::string_view token_hash) override;
  StoreResult<void> delete_session(std::string_view token_hash) override;
  StoreResult<void> delete_expired_sessions(std::string_view now) override;

 private:
  std::mutex mutex_;
  Database db_;

  // A transaction that rolls back unless committed: every early return leaves the store as it
  // was.
  class Transaction {
   public:
    explicit Transaction(Database& db) : db_(db) {}
    ~Transaction() {
      if (open_) (void)db_.exec("ROLLBACK");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    core::Result<void> begin() {
      // IMMEDIATE takes the write lock now, so the serial read below cannot go stale before
      // the write (a DEFERRED transaction could fail to upgrade with SQLITE_BUSY at once).
      auto r = db_.exec("BEGIN IMMEDIATE");
      open_ = r.has_value();
      return r;
    }
    core::Result<void> commit() {
      auto r = db_.exec("COMMIT");
      if (r) open_ = false;
      return r;
    }

   private:
    Database& db_;
    bool open_ = false;
  };

  StoreResult<Zone> zone_row(std::string_view zone);
  StoreResult<void> insert_audit(const AuditEntry& audit, std::string_view at);
  StoreResult<std::int64_t> insert_record(std::string_view zone, const Record& r);
};

core::Result<void> SqliteStore::migrate() {
  if (auto r = db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !r)
    return r;
  auto current = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!current) return tl::unexpected(current.error());
  auto row = current->step();
  if (!row) return tl::unexpected(row.error());
  const auto have = current->integer(0);
  for (const auto& m : migrations()) {
    if (m.version <= have) continue;
    // Each migration and its version row in one transaction: a crash leaves it all or nothing.
    std::string sql =
        "BEGIN IMMEDIATE;\n" + migration_sql(m, SqlDialect::sqlite) +
        fmt::format(";\nINSERT INTO schema_version (version) VALUES ({});\nCOMMIT", m.version);
    if (auto r = db_.exec(sql); !r) {
      (void)db_.exec("ROLLBACK");
      return core::fail(
          fmt::format("schema migration {} ({}): {}", m.version, m.summary, r.error().message));
    }
  }
  return {};
}

StoreResult<Zone> SqliteStore::zone_row(std::string_view zone) {
  auto s = db_.prepare("SELECT name, serial, created_at, updated_at FROM zones WHERE name = ?");
  if (!s) return failure(s.error());
  s->bind(1, zone);
  auto row = s->step();
  if (!row) return failure(row.error());
  if (!*row) return failure(StoreFailure::not_found, fmt::format("no zone {}", zone));
  return Zone{s->text(0), static_cast<std::uint32_t>(s->integer(1)), s->text(2), s->text(3)};
}

StoreResult<void> SqliteStore::insert_audit(const AuditEntry& a, std::string_view at) {
  auto s = db_.prepare(
      "INSERT INTO audit (zone, at, actor, action, serial_before, serial_after, detail) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!s) return failure(s.error());
  s->bind(1, a.zone)
      .bind(2, a.at.empty() ? at : std::string_view(a.at))
      .bind(3, a.actor)
      .bind(4, a.action)
      .bind(5, std::int64_t{a.serial_before})
      .bind(6, std::int64_t{a.serial_after})
      .bind(7, a.detail);
  if (auto r = s->run(); !r) return failure(r.error());
  return {};
}

StoreResult<std::int64_t> SqliteStore::insert_record(std::string_view zone, const Record& r) {
  auto s = db_.prepare(
      "INSERT INTO records (zone, name, ttl, type, priority, value) VALUES (?, ?, ?, ?, ?, ?)");
  if (!s) return failure(s.error());
  s->bind(1, zone)
      .bind(2, r.name)
      .bind(3, std::int64_t{r.ttl})
      .bind(4, r.type)
      .bind(5, priority_column(r))
      .bind(6, r.value);
  if (auto ran = s->run(); !ran) return failure(ran.error());
  return db_.last_insert_id();
}

StoreResult<std::vector<Zone>> SqliteStore::list_zones() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT name, serial, created_at, updated_at FROM zones ORDER BY name");
  if (!s) return failure(s.error());
  std::vector<Zone> out;
  for (;;) {
    auto row = s->step();
    if (!row) return failure(row.error());
    if (!*row) break;
    out.push_back(
        Zone{s->text(0), static_cast<std::uint32_t>(s->integer(1)), s->text(2), s->text(3)});
  }
  return out;
}

StoreResult<Zone> SqliteStore::get_zone(std::string_view zone) {
  std::lock_guard lock(mutex_);
  return zone_row(zone);
}

StoreResult<Zone> SqliteStore::create_zone(const Zone& zone, const std::vector<Record>& records,
                                           const AuditEntry& audit) {
  std::lock_guard lock(mutex_);
  const std::string now = utc_now_rfc3339();
  Transaction tx(db_);
  if (auto r = tx.begin(); !r) return failure(r.error());
  if (auto existing = zone_row(zone.name); existing)
    return failure(StoreFailure::conflict, fmt::format("zone {} exists already", zone.name));
  else if (existing.error().kind != StoreFailure::not_found)
    return tl::unexpected(existing.error());
  Zone made = zone;
  if (made.created_at.empty()) made.created_at = now;
  if (made.updated_at.empty()) made.updated_at = made.created_at;
  auto s =
      db_.prepare("INSERT INTO zones (name, serial, created_at, updated_at) VALUES (?, ?, ?, ?)");
  if (!s) return failure(s.error());
  s->bind(1, made.name)
      .bind(2, std::int64_t{made.serial})
      .bind(3, made.created_at)
      .bind(4, made.updated_at);
  if (auto r = s->run(); !r) return failure(r.error());
  for (const auto& record : records)
    if (auto id = insert_record(made.name, record); !id) return tl::unexpected(id.error());
  if (auto r = insert_audit(audit, now); !r) return tl::unexpected(r.error());
  if (auto r = tx.commit(); !r) return failure(r.error());
  return made;
}

StoreResult<void> SqliteStore::delete_zone(std::string_view zone, const AuditEntry& audit) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (auto r = tx.begin(); !r) return failure(r.error());
  for (const char* sql :
       {"DELETE FROM records WHERE zone = ?", "DELETE FROM zones WHERE name = ?"}) {
    auto s = db_.prepare(sql);
    if (!s) return failure(s.error());
    s->bind(1, zone);
    if (auto r = s->run(); !r) return failure(r.error());
  }
  if (db_.changes() == 0) return failure(StoreFailure::not_found, fmt::format("no zone {}", zone));
  if (auto r = insert_audit(audit, utc_now_rfc3339()); !r) return r;
  if (auto r = tx.commit(); !r) return failure(r.error());
  return {};
}

StoreResult<std::vector<Record>> SqliteStore::records(std::string_view zone) {
  std::lock_guard lock(mutex_);
  if (auto z = zone_row(zone); !z) return tl::unexpected(z.error());
  auto s =
      db_.prepare(fmt::format("SELECT {} FROM records WHERE zone = ? ORDER BY id", kRecordColumns));
  if (!s) return failure(s.error());
  s->bind(1, zone);
  std::vector<Record> out;
  for (;;) {
    auto row = s->step();
    if (!row) return failure(row.error());
    if (!*row) break;
    out.push_back(read_record(*s));
  }
  return out;
}

StoreResult<std::vector<std::int64_t>> SqliteStore::commit(std::string_view zone,
                                                           std::uint32_t expected_serial,
                                                           std::uint32_t new_serial,
                                                           const std::vector<Change>& changes,
                                                           const AuditEntry& audit) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (auto r = tx.begin(); !r) return failure(r.error());
  auto current = zone_row(zone);
  if (!current) return tl::unexpected(current.error());
  if (current->serial != expected_serial)
    return failure(StoreFailure::conflict,
                   fmt::format("zone {} is at serial {}, not {}: another change came first", zone,
                               current->serial, expected_serial));
  std::vector<std::int64_t> added;
  for (const auto& change : changes) {
    const Record& r = change.record;
    if (change.kind == Change::Kind::add) {
      auto id = insert_record(zone, r);
      if (!id) return tl::unexpected(id.error());
      added.push_back(*id);
      continue;
    }
    auto s = change.kind == Change::Kind::update
                 ? db_.prepare(
                       "UPDATE records SET name = ?, ttl = ?, type = ?, priority = ?, "
                       "value = ? WHERE id = ? AND zone = ?")
                 : db_.prepare("DELETE FROM records WHERE id = ? AND zone = ?");
    if (!s) return failure(s.error());
    if (change.kind == Change::Kind::update)
      s->bind(1, r.name)
          .bind(2, std::int64_t{r.ttl})
          .bind(3, r.type)
          .bind(4, priority_column(r))
          .bind(5, r.value)
          .bind(6, r.id)
          .bind(7, zone);
    else
      s->bind(1, r.id).bind(2, zone);
    if (auto ran = s->run(); !ran) return failure(ran.error());
    if (db_.changes() == 0)
      return failure(StoreFailure::not_found, fmt::format("no record {} in zone {}", r.id, zone));
  }
  const std::string now = utc_now_rfc3339();
  auto s = db_.prepare("UPDATE zones SET serial = ?, updated_at = ? WHERE name = ?");
  if (!s) return failure(s.error());
  s->bind(1, std::int64_t{new_serial}).bind(2, now).bind(3, zone);
  if (auto r = s->run(); !r) return failure(r.error());
  if (auto r = insert_audit(audit, now); !r) return tl::unexpected(r.error());
  if (auto r = tx.commit(); !r) return failure(r.error());
  return added;
}

StoreResult<std::vector<AuditEntry>> SqliteStore::audit(std::string_view zone, std::size_t limit,
                                                        std::int64_t before_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "SELECT id, zone, at, actor, action, serial_before, serial_after, detail FROM audit "
      "WHERE zone = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
  if (!s) return failure(s.error());
  s->bind(1, zone).bind(2, before_id).bind(3, before_id).bind(4, static_cast<std::int64_t>(limit));
  std::vector<AuditEntry> out;
  for (;;) {
    auto row = s->step();
    if (!row) return failure(row.error());
    if (!*row) break;
    out.push_back(AuditEntry{s->integer(0), s->text(1), s->text(2), s->text(3), s->text(4),
                             static_cast<std::uint32_t>(s->integer(5)),
                             static_cast<std::uint32_t>(s->integer(6)), s->text(7)});
  }
  return out;
}

StoreResult<void> SqliteStore::put_session(const Session& session) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "INSERT INTO sessions (token_hash, csrf_token, expires_at) VALUES (?, ?, ?) "
      "ON CONFLICT (token_hash) DO UPDATE SET csrf_token = excluded.csrf_token, "
      "expires_at = excluded.expires_at");
  if (!s) return failure(s.error());
  s->bind(1, session.token_hash).bind(2, session.csrf_token).bind(3, session.expires_at);
  if (auto r = s->run(); !r) return failure(r.error());
  return {};
}

StoreResult<Session> SqliteStore::get_session(std::string_view token_hash) {
  std::lock_guard lock(mutex_);
  auto s =
      db_.prepare("SELECT token_hash, csrf_token, expires_at FROM sessions WHERE token_hash = ?");
  if (!s) return failure(s.error());
  s->bind(1, token_hash);
  auto row = s->step();
  if (!row) return failure(row.error());
  if (!*row) return failure(StoreFailure::not_found, "no such session");
  return Session{s->text(0), s->text(1), s->text(2)};
}

StoreResult<void> SqliteStore::delete_session(std::string_view token_hash) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("DELETE FROM sessions WHERE token_hash = ?");
  if (!s) return failure(s.error());
  s->bind(1, token_hash);
  if (auto r = s->run(); !r) return failure(r.error());
  return {};
}

StoreResult<void> SqliteStore::delete_expired_sessions(std::string_view now) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("DELETE FROM sessions WHERE expires_at <= ?");
  if (!s) return failure(s.error());
  s->bind(1, now);
  if (auto r = s->run(); !r) return failure(r.error());
  return {};
}

}  // namespace

std::string utc_now_rfc3339() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

core::Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return core::fail(fmt::format("{}: cannot create the console data directory: {}", dir.string(),
                                  ec.message()));
  const auto path = (dir / "console.db").string();
  auto db = Database::open(path);
  if (!db) return tl::unexpected(db.error());
  // WAL: readers do not block the writer. synchronous=FULL syncs the log at every commit, so a
  // change the API answered 200 for survives a power cut. The busy timeout makes a second
  // process sharing the file wait for the lock instead of failing at once.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"})
    if (auto r = db->exec(pragma); !r)
      return core::fail(fmt::format("{}: {}", path, r.error().message));
  auto store = std::make_unique<SqliteStore>(std::move(*db));
  if (auto r = store->migrate(); !r)
    return core::fail(fmt::format("{}: {}", path, r.error().message));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mxkit::console
