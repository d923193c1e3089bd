// The PostgreSQL back end. Each call takes a connection from the pool for its whole unit of work
// (one statement, or one transaction), so the HTTP server's threads run side by side and only
// writers of the same zone wait for each other, on that zone's row.
#include "console/postgres_store.hpp"

#include <functional>

#include <fmt/format.h>

#include "console/migrations.hpp"
#include "console/pg_db.hpp"
#include "console/sqlite_store.hpp"  // utc_now_rfc3339: both back ends write times alike

namespace mxkit::console {
namespace {

using pg::Params;
using pg::Rows;

tl::unexpected<StoreError> failure(StoreFailure kind, std::string message) {
  return tl::unexpected(StoreError{kind, std::move(message)});
}

// Any key works as long as every mxkit uses the same one: "mxkit-co" in ASCII.
constexpr std::string_view kMigrationLock = "7887207468826030959";

constexpr std::string_view kZoneColumns = "name, serial, created_at, updated_at";
constexpr std::string_view kRecordColumns = "id, name, ttl, type, priority, value";
constexpr std::string_view kAuditColumns =
    "id, zone, at, actor, action, serial_before, serial_after, detail";
// Rows per INSERT when a zone is created with its records (an import of a large zone): a few
// round trips instead of one per record, well below the protocol's 65535 parameters.
constexpr std::size_t kInsertBatch = 500;

Zone read_zone(const Rows& rows, int row) {
  return Zone{rows.text(row, 0), static_cast<std::uint32_t>(rows.integer(row, 1)),
              rows.text(row, 2), rows.text(row, 3)};
}

Record read_record(const Rows& rows, int row) {
  Record r;
  r.id = rows.integer(row, 0);
  r.name = rows.text(row, 1);
  r.ttl = static_cast<std::uint32_t>(rows.integer(row, 2));
  r.type = rows.text(row, 3);
  if (!rows.is_null(row, 4)) r.priority = static_cast<std::uint16_t>(rows.integer(row, 4));
  r.value = rows.text(row, 5);
  return r;
}

std::optional<std::int64_t> priority_column(const Record& r) {
  if (!r.priority) return std::nullopt;
  return std::int64_t{*r.priority};
}

// One unit of work on one connection. `lost` says the connection broke before COMMIT was sent,
// so the server rolled everything back and the work may run again on another connection.
struct Work {
  pg::Connection& conn;
  const pg::Target& target;
  bool lost = false;
  bool committing = false;

  StoreResult<Rows> exec(const std::string& sql, const Params& params = {}) {
    auto rows = conn.exec(sql, params);
    if (rows) return std::move(*rows);
    const auto& e = rows.error();
    if (e.connection_lost) {
      lost = true;
      if (committing)
        return failure(StoreFailure::error,
                       fmt::format("PostgreSQL at {}: the connection broke during COMMIT, so the "
                                   "change may or may not be stored: {}",
                                   target.description, e.message));
      return failure(StoreFailure::error, fmt::format("PostgreSQL at {}: the connection broke: {}",
                                                      target.description, e.message));
    }
    // 40001 serialization_failure, 40P01 deadlock_detected, 23505 unique_violation: another
    // writer got there first; the caller re-reads and tries again.
    if (e.sqlstate == "40001" || e.sqlstate == "40P01" || e.sqlstate == "23505")
      return failure(StoreFailure::conflict,
                     fmt::format("PostgreSQL at {}: {}", target.description, e.message));
    // 55P03 lock_not_available: lock_timeout passed while another session held the row.
    if (e.sqlstate == "55P03")
      return failure(StoreFailure::error,
                     fmt::format("PostgreSQL at {}: the zone stayed locked by another session "
                                 "past lock_timeout: {}",
                                 target.description, e.message));
    return failure(StoreFailure::error,
                   fmt::format("PostgreSQL at {}: {}", target.description, e.message));
  }

  StoreResult<void> begin() {
    if (auto r = exec("BEGIN"); !r) return tl::unexpected(r.error());
    return {};
  }
  StoreResult<void> commit() {
    committing = true;
    if (auto r = exec("COMMIT"); !r) return tl::unexpected(r.error());
    return {};
  }
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string uri, pg::Target target) : pool_(std::move(uri), std::move(target)) {}

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
  // Runs `body` on a pooled connection; rolls back whatever it left open. When the connection
  // turns out broken (a restarted server, an idle connection the network dropped) before
  // COMMIT went out, nothing was applied: it runs once more on a fresh connection.
  template <class T>
  StoreResult<T> run(const std::function<StoreResult<T>(Work&)>& body) {
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.acquire();
      if (!lease) return failure(StoreFailure::error, lease.error().message);
      Work work{**lease, pool_.target()};
      auto result = body(work);
      if ((*lease)->in_transaction()) (void)(*lease)->exec("ROLLBACK");
      if (result || !work.lost) return result;
      pool_.drop_idle();
      if (work.committing || attempt == 1) return result;
    }
  }

  static StoreResult<void> insert_audit(Work& w, const AuditEntry& a, std::string_view now);

  pg::Pool pool_;
};

core::Result<void> PostgresStore::migrate() {
  auto done = run<void>([](Work& w) -> StoreResult<void> {
    if (auto r = w.begin(); !r) return r;
    // Primaries starting together wait here for each other (the lock goes with the
    // transaction) instead of racing to create the same tables.
    if (auto r = w.exec("SELECT pg_advisory_xact_lock($1::bigint)", Params().add(kMigrationLock));
        !r)
      return tl::unexpected(r.error());
    if (auto r = w.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !r)
      return tl::unexpected(r.error());
    auto have = w.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!have) return tl::unexpected(have.error());
    const auto current = have->integer(0, 0);
    // PostgreSQL's DDL is transactional: every migration the database lacks, and their version
    // rows, commit together or not at all.
    for (const auto& m : migrations()) {
      if (m.version <= current) continue;
      for (const auto& statement : split_statements(migration_sql(m, SqlDialect::postgresql)))
        if (auto r = w.exec(statement); !r)
          return failure(StoreFailure::error, fmt::format("schema migration {} ({}): {}", m.version,
                                                          m.summary, r.error().message));
      if (auto r = w.exec("INSERT INTO schema_version (version) VALUES ($1)",
                          Params().add(std::int64_t{m.version}));
          !r)
        return tl::unexpected(r.error());
    }
    return w.commit();
  });
  if (!done && done.error().message.find("cannot connect") != std::string::npos)
    return core::fail(done.error().message);
  if (!done)
    return core::fail(
        fmt::format("bringing the console schema up to date: {}{}", done.error().message,
                    done.error().message.find("permission denied") != std::string::npos
                        ? " (the role must own the database, or at least be "
                          "allowed to CREATE TABLE in its schema)"
                        : ""));
  return {};
}

StoreResult<void> PostgresStore::insert_audit(Work& w, const AuditEntry& a, std::string_view now) {
  auto r = w.exec(
      "INSERT INTO audit (zone, at, actor, action, serial_before, serial_after, detail) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      Params()
          .add(a.zone)
          .add(a.at.empty() ? now : std::string_view(a.at))
          .add(a.actor)
          .add(a.action)
          .add(std::int64_t{a.serial_before})
          .add(std::int64_t{a.serial_after})
          .add(a.detail));
  if (!r) return tl::unexpected(r.error());
  return {};
}

StoreResult<std::vector<Zone>> PostgresStore::list_zones() {
  return run<std::vector<Zone>>([](Work& w) -> StoreResult<std::vector<Zone>> {
    auto rows = w.exec(fmt::format("SELECT {} FROM zones ORDER BY name", kZoneColumns));
    if (!rows) return tl::unexpected(rows.error());
    std::vector<Zone> out;
    for (int i = 0; i < rows->count(); ++i) out.push_back(read_zone(*rows, i));
    return out;
  });
}

StoreResult<Zone> PostgresStore::get_zone(std::string_view zone) {
  return run<Zone>([zone](Work& w) -> StoreResult<Zone> {
    auto rows = w.exec(fmt::format("SELECT {} FROM zones WHERE name = $1", kZoneColumns),
                       Params().add(zone));
    if (!rows) return tl::unexpected(rows.error());
    if (rows->count() == 0)
      return failure(StoreFailure::not_found, fmt::format("no zone {}", zone));
    return read_zone(*rows, 0);
  });
}

StoreResult<Zone> PostgresStore::create_zone(const Zone& zone, const std::vector<Record>& records,
                                             const AuditEntry& audit) {
  return run<Zone>([&](Work& w) -> StoreResult<Zone> {
    const std::string now = utc_now_rfc3339();
    Zone made = zone;
    if (made.created_at.empty()) made.created_at = now;
    if (made.updated_at.empty()) made.updated_at = made.created_at;
    if (auto r = w.begin(); !r) return tl::unexpected(r.error());
    // ON CONFLICT DO NOTHING: a concurrent create of the same name (another primary) waits on
    // the key and then inserts nothing, which is our conflict, not an error.
    auto inserted = w.exec(
        "INSERT INTO zones (name, serial, created_at, updated_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (name) DO NOTHING",
        Params()
            .add(made.name)
            .add(std::int64_t{made.serial})
            .add(made.created_at)
            .add(made.updated_at));
    if (!inserted) return tl::unexpected(inserted.error());
    if (inserted->affected() == 0)
      return failure(StoreFailure::conflict, fmt::format("zone {} exists already", made.name));
    for (std::size_t first = 0; first < records.size(); first += kInsertBatch) {
      const std::size_t end = std::min(records.size(), first + kInsertBatch);
      std::string sql = "INSERT INTO records (zone, name, ttl, type, priority, value) VALUES ";
      Params params;
      for (std::size_t i = first; i < end; ++i) {
        const std::size_t n = params.size();
        sql += fmt::format("{}(${}, ${}, ${}, ${}, ${}, ${})", i == first ? "" : ", ", n + 1, n + 2,
                           n + 3, n + 4, n + 5, n + 6);
        const Record& r = records[i];
        params.add(made.name)
            .add(r.name)
            .add(std::int64_t{r.ttl})
            .add(r.type)
            .add(priority_column(r));
        params.add(r.value);
      }
      if (auto r = w.exec(sql, params); !r) return tl::unexpected(r.error());
    }
    if (auto r = insert_audit(w, audit, now); !r) return tl::unexpected(r.error());
    if (auto r = w.commit(); !r) return tl::unexpected(r.error());
    return made;
  });
}

StoreResult<void> PostgresStore::delete_zone(std::string_view zone, const AuditEntry& audit) {
  return run<void>([&](Work& w) -> StoreResult<void> {
    if (auto r = w.begin(); !r) return r;
    // The records go with the zone (ON DELETE CASCADE); the audit log stays.
    auto deleted = w.exec("DELETE FROM zones WHERE name = $1", Params().add(zone));
    if (!deleted) return tl::unexpected(deleted.error());
    if (deleted->affected() == 0)
      return failure(StoreFailure::not_found, fmt::format("no zone {}", zone));
    if (auto r = insert_audit(w, audit, utc_now_rfc3339()); !r) return r;
    return w.commit();
  });
}

StoreResult<std::vector<Record>> PostgresStore::records(std::string_view zone) {
  return run<std::vector<Record>>([zone](Work& w) -> StoreResult<std::vector<Record>> {
    // One snapshot for both reads: the zone exists and these are its records at that moment.
    if (auto r = w.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r)
      return tl::unexpected(r.error());
    auto found = w.exec("SELECT 1 FROM zones WHERE name = $1", Params().add(zone));
    if (!found) return tl::unexpected(found.error());
    if (found->count() == 0)
      return failure(StoreFailure::not_found, fmt::format("no zone {}", zone));
    auto rows =
        w.exec(fmt::format("SELECT {} FROM records WHERE zone = $1 ORDER BY id", kRecordColumns),
               Params().add(zone));
    if (!rows) return tl::unexpected(rows.error());
    std::vector<Record> out;
    out.reserve(static_cast<std::size_t>(rows->count()));
    for (int i = 0; i < rows->count(); ++i) out.push_back(read_record(*rows, i));
    if (auto r = w.commit(); !r) return tl::unexpected(r.error());
    return out;
  });
}

StoreResult<std::vector<std::int64_t>> PostgresStore::commit(std::string_view zone,
                                                             std::uint32_t expected_serial,
                                                             std::uint32_t new_serial,
                                                             const std::vector<Change>& changes,
                                                             const AuditEntry& audit) {
  using Ids = std::vector<std::int64_t>;
  return run<Ids>([&](Work& w) -> StoreResult<Ids> {
    if (auto r = w.begin(); !r) return tl::unexpected(r.error());
    // The row lock is the whole concurrency story: a second writer of this zone, in this
    // process or on another primary, blocks here until the first commits, then reads the serial
    // the first wrote and fails the check below. Writers of other zones never wait.
    auto current =
        w.exec("SELECT serial FROM zones WHERE name = $1 FOR UPDATE", Params().add(zone));
    if (!current) return tl::unexpected(current.error());
    if (current->count() == 0)
      return failure(StoreFailure::not_found, fmt::format("no zone {}", zone));
    if (const auto serial = current->integer(0, 0); serial != std::int64_t{expected_serial})
      return failure(StoreFailure::conflict,
                     fmt::format("zone {} is at serial {}, not {}: another change came first", zone,
                                 serial, expected_serial));
    Ids added;
    for (const auto& change : changes) {
      const Record& r = change.record;
      if (change.kind == Change::Kind::add) {
        auto id = w.exec(
            "INSERT INTO records (zone, name, ttl, type, priority, value) "
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            Params()
                .add(zone)
                .add(r.name)
                .add(std::int64_t{r.ttl})
                .add(r.type)
                .add(priority_column(r))
                .add(r.value));
        if (!id) return tl::unexpected(id.error());
        added.push_back(id->integer(0, 0));
        continue;
      }
      auto done = change.kind == Change::Kind::update
                      ? w.exec(
                            "UPDATE records SET name = $1, ttl = $2, type = $3, priority = $4, "
                            "value = $5 WHERE id = $6 AND zone = $7",
                            Params()
                                .add(r.name)
                                .add(std::int64_t{r.ttl})
                                .add(r.type)
                                .add(priority_column(r))
                                .add(r.value)
                                .add(r.id)
                                .add(zone))
                      : w.exec("DELETE FROM records WHERE id = $1 AND zone = $2",
                               Params().add(r.id).add(zone));
      if (!done) return tl::unexpected(done.error());
      if (done->affected() == 0)
        return failure(StoreFailure::not_found, fmt::format("no record {} in zone {}", r.id, zone));
    }
    const std::string now = utc_now_rfc3339();
    if (auto r = w.exec("UPDATE zones SET serial = $1, updated_at = $2 WHERE name = $3",
                        Params().add(std::int64_t{new_serial}).add(now).add(zone));
        !r)
      return tl::unexpected(r.error());
    if (auto r = insert_audit(w, audit, now); !r) return tl::unexpected(r.error());
    if (auto r = w.commit(); !r) return tl::unexpected(r.error());
    return added;
  });
}

StoreResult<std::vector<AuditEntry>> PostgresStore::audit(std::string_view zone, std::size_t limit,
                                                          std::int64_t before_id) {
  using Entries = std::vector<AuditEntry>;
  return run<Entries>([&](Work& w) -> StoreResult<Entries> {
    auto rows = w.exec(fmt::format("SELECT {} FROM audit WHERE zone = $1 AND ($2::bigint = 0 OR "
                                   "id < $2::bigint) ORDER BY id DESC LIMIT $3::bigint",
                                   kAuditColumns),
                       Params().add(zone).add(before_id).add(static_cast<std::int64_t>(limit)));
    if (!rows) return tl::unexpected(rows.error());
    Entries out;
    for (int i = 0; i < rows->count(); ++i)
      out.push_back(AuditEntry{rows->integer(i, 0), rows->text(i, 1), rows->text(i, 2),
                               rows->text(i, 3), rows->text(i, 4),
                               static_cast<std::uint32_t>(rows->integer(i, 5)),
                               static_cast<std::uint32_t>(rows->integer(i, 6)), rows->text(i, 7)});
    return out;
  });
}

StoreResult<void> PostgresStore::put_session(const Session& session) {
  return run<void>([&](Work& w) -> StoreResult<void> {
    auto r = w.exec(
        "INSERT INTO sessions (token_hash, csrf_token, expires_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (token_hash) DO UPDATE SET csrf_token = excluded.csrf_token, "
        "expires_at = excluded.expires_at",
        Params().add(session.token_hash).add(session.csrf_token).add(session.expires_at));
    if (!r) return tl::unexpected(r.error());
    return {};
  });
}

StoreResult<Session> PostgresStore::get_session(std::string_view token_hash) {
  return run<Session>([&](Work& w) -> StoreResult<Session> {
    auto rows =
        w.exec("SELECT token_hash, csrf_token, expires_at FROM sessions WHERE token_hash = $1",
               Params().add(token_hash));
    if (!rows) return tl::unexpected(rows.error());
    if (rows->count() == 0) return failure(StoreFailure::not_found, "no such session");
    return Session{rows->text(0, 0), rows->text(0, 1), rows->text(0, 2)};
  });
}

StoreResult<void> PostgresStore::delete_session(std::string_view token_hash) {
  return run<void>([&](Work& w) -> StoreResult<void> {
    if (auto r = w.exec("DELETE FROM sessions WHERE token_hash = $1", Params().add(token_hash)); !r)
      return tl::unexpected(r.error());
    return {};
  });
}

StoreResult<void> PostgresStore::delete_expired_sessions(std::string_view now) {
  return run<void>([&](Work& w) -> StoreResult<void> {
    if (auto r = w.exec("DELETE FROM sessions WHERE expires_at <= $1", Params().add(now)); !r)
      return tl::unexpected(r.error());
    return {};
  });
}

}  // namespace

core::Result<std::unique_ptr<Store>> open_postgres_store(const std::string& uri) {
  auto target = pg::describe_target(uri);
  if (!target) return tl::unexpected(target.error());
  auto store = std::make_unique<PostgresStore>(uri, std::move(*target));
  if (auto r = store->migrate(); !r) return tl::unexpected(r.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mxkit::console
