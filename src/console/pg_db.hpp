// A thin owner of libpq connections for the PostgreSQL store: every value travels as a
// parameter of PQexecParams (no SQL is ever built from input), every failure becomes a message
// naming the server and PostgreSQL's reason, and the password never appears in one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

#include "core/result.hpp"

namespace mxkit::console::pg {

// The values of $1, $2, … in order, as text (PostgreSQL's input syntax); nullopt is NULL.
class Params {
 public:
  Params& add(std::string_view text) {
    values_.emplace_back(std::string(text));
    return *this;
  }
  Params& add(std::int64_t value) {
    values_.emplace_back(std::to_string(value));
    return *this;
  }
  Params& add(std::optional<std::int64_t> value) {
    if (value)
      values_.emplace_back(std::to_string(*value));
    else
      values_.emplace_back(std::nullopt);
    return *this;
  }
  std::size_t size() const { return values_.size(); }
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// A failed statement: PostgreSQL's SQLSTATE ("23505", "40001", …; empty when the connection
// failed before the server answered) and a message for a human.
struct SqlError {
  std::string sqlstate;
  std::string message;
  bool connection_lost = false;  // the connection broke: nothing sent after it was applied
};

// The rows of a query, read as text.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, PQclear) {}
  int count() const { return PQntuples(result_.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const { return PQgetvalue(result_.get(), row, column); }
  std::int64_t integer(int row, int column) const;
  // Rows changed by an INSERT/UPDATE/DELETE.
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

// Where a connection URI points, without its password: "user@host:port/db", for messages.
struct Target {
  std::string description;
  std::string password;  // to strip from any message libpq writes (it should never hold it)
};
core::Result<Target> describe_target(const std::string& uri);

// `text` with every occurrence of the password (as written and percent-decoded) replaced.
std::string redact(std::string text, const std::string& password);

class Connection {
 public:
  // Connects (connect_timeout 10 s unless the URI says otherwise); the error names the target
  // and libpq's reason.
  static core::Result<std::unique_ptr<Connection>> open(const std::string& uri,
                                                        const Target& target);
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  tl::expected<Rows, SqlError> exec(const std::string& sql, const Params& params = {});
  bool healthy() const;         // connected and outside any transaction: fit to go back to the pool
  bool in_transaction() const;  // a transaction is open (perhaps failed): it needs a ROLLBACK

 private:
  Connection(PGconn* conn, Target target) : conn_(conn), target_(std::move(target)) {}
  PGconn* conn_;
  Target target_;
};

// A few connections shared by the HTTP server's threads: a caller takes one for a whole
// transaction and gives it back; a broken one is dropped, and the next caller connects anew.
class Pool {
 public:
  Pool(std::string uri, Target target) : uri_(std::move(uri)), target_(std::move(target)) {}

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Connection> conn_;
  };

  core::Result<Lease> acquire();
  // Closes the idle connections: after one broke (a restarted server, a failover), the others
  // opened before it most likely did too.
  void drop_idle();
  const Target& target() const { return target_; }

 private:
  static constexpr std::size_t kMaxIdle = 8;
  std::string uri_;
  Target target_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace mxkit::console::pg
