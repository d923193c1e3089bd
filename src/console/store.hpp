// The console's store: zones, their records, the audit log and the UI's sessions. One interface,
// two back ends (SQLite by default, PostgreSQL so several primaries share one store); the SQL
// is the same where the two dialects allow. The store knows no DNS rules: the API validates a
// change (src/console/validate) before it asks the store to commit it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mxkit::console {

// A record in the article's columns ("Domain, TTL, Type, Priority, Value"). `name` is the
// absolute owner in presentation form, lowercased, with the final dot ("mail.example.test.");
// `priority` is set for MX and SRV only and is then not repeated in `value` (an MX's value is
// its exchange, an SRV's "weight port target"); `value` is the rest of the RDATA as a zone file
// writes it.
struct Record {
  std::int64_t id = 0;  // assigned by the store; stable for the record's life
  std::string name;
  std::uint32_t ttl = 0;
  std::string type;  // "MX", "A", "TYPE65534" …: the mnemonic as the zone parser prints it
  std::optional<std::uint16_t> priority;
  std::string value;
};

struct Zone {
  std::string name;  // "example.test.": lowercased, with the final dot
  std::uint32_t serial = 0;  // the SOA serial of the records as committed
  std::string created_at;    // RFC 3339 UTC, "2026-12-05T17:20:00Z"
  std::string updated_at;
};

// One committed change, for GET /zones/{zone}/audit. `detail` is JSON text (what was added,
// changed and deleted), written by the API and kept as given.
struct AuditEntry {
  std::int64_t id = 0;  // assigned by the store, increasing
  std::string zone;
  std::string at;     // RFC 3339 UTC
  std::string actor;  // "api-key", "ui-session:<first 8 of the token hash>", …
  std::string action;  // "create-zone", "import-zone", "change", "delete-zone"
  std::uint32_t serial_before = 0, serial_after = 0;
  std::string detail;
};

// A UI session (the cookie holds `token`; the store keeps only its SHA-256, hex).
struct Session {
  std::string token_hash;
  std::string csrf_token;
  std::string expires_at;  // RFC 3339 UTC
};

struct Change {
  enum class Kind { add, update, remove };
  Kind kind = Kind::add;
  Record record;  // for update and remove, record.id names the record
};

// What a store call can fail with, beside a plain error: the API maps `conflict` to 409 (or
// retries), `not_found` to 404.
enum class StoreFailure { error, not_found, conflict };
struct StoreError {
  StoreFailure kind = StoreFailure::error;
  std::string message;
};
template <class T>
using StoreResult = tl::expected<T, StoreError>;

class Store {
 public:
  virtual ~Store() = default;

  virtual StoreResult<std::vector<Zone>> list_zones() = 0;
  virtual StoreResult<Zone> get_zone(std::string_view zone) = 0;  // not_found
  // The zone with its records in one transaction; conflict when the name exists.
  virtual StoreResult<Zone> create_zone(const Zone& zone, const std::vector<Record>& records,
                                        const AuditEntry& audit) = 0;
  virtual StoreResult<void> delete_zone(std::string_view zone, const AuditEntry& audit) = 0;

  // Every record of the zone, by id.
  virtual StoreResult<std::vector<Record>> records(std::string_view zone) = 0;

  // One transaction: fails with `conflict` (and changes nothing) unless the zone's serial is
  // still `expected_serial` (another writer, perhaps another primary sharing a PostgreSQL store,
  // committed first; the caller re-reads and tries again); otherwise applies `changes` in order,
  // sets the serial to `new_serial` and appends `audit`. Returns the ids of the added records,
  // in order. An update or remove of an id not in the zone fails with not_found.
  virtual StoreResult<std::vector<std::int64_t>> commit(std::string_view zone,
                                                        std::uint32_t expected_serial,
                                                        std::uint32_t new_serial,
                                                        const std::vector<Change>& changes,
                                                        const AuditEntry& audit) = 0;

  // Newest first; at most `limit`, older than `before_id` when it is not 0.
  virtual StoreResult<std::vector<AuditEntry>> audit(std::string_view zone, std::size_t limit,
                                                     std::int64_t before_id) = 0;

  virtual StoreResult<void> put_session(const Session& session) = 0;
  virtual StoreResult<Session> get_session(std::string_view token_hash) = 0;  // not_found
  virtual StoreResult<void> delete_session(std::string_view token_hash) = 0;
  virtual StoreResult<void> delete_expired_sessions(std::string_view now) = 0;
};

// `spec` is a directory (SQLite: DIR/console.db, created with the directory; WAL) or a
// "postgresql://…" connection URI. Either way the schema is brought up to date by the numbered
// migrations before the store is returned.
core::Result<std::unique_ptr<Store>> open_store(const std::string& spec);

}  // namespace mxkit::console
