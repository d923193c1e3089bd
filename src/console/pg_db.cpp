#include "console/pg_db.hpp"

#include <charconv>

#include <fmt/format.h>

namespace mxkit::console::pg {
namespace {

// libpq's messages end with a newline and may span lines ("connection to server at … failed:
// Connection refused\n\tIs the server running…"): one line for a log or a JSON error.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The password of a URI libpq could not parse (so PQconninfoParse cannot tell us): the userinfo's
// part after ":" (RFC 3986 §3.2.1), or a "password=" query parameter. Only used to keep it out
// of the error message.
std::string password_in(std::string_view uri) {
  const auto scheme = uri.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = uri.substr(scheme + 3);
  const auto query = rest.find('?');
  const std::string_view authority = rest.substr(0, query);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos)
      return std::string(userinfo.substr(colon + 1));
  }
  if (query != std::string_view::npos) {
    std::string_view params = rest.substr(query + 1);
    if (const auto p = params.find("password="); p != std::string_view::npos) {
      params.remove_prefix(p + 9);
      return std::string(params.substr(0, params.find('&')));
    }
  }
  return {};
}

void replace_all(std::string& text, const std::string& what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

void ignore_notice(void*, const char*) {
  // Notices ("relation … already exists, skipping") would go to stderr by default; the store
  // reports what matters through its results.
}

}  // namespace

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

std::int64_t Rows::integer(int row, int column) const {
  const char* text = PQgetvalue(result_.get(), row, column);
  std::int64_t value = 0;
  std::from_chars(text, text + PQgetlength(result_.get(), row, column), value);
  return value;
}

std::int64_t Rows::affected() const {
  const char* text = PQcmdTuples(result_.get());
  std::int64_t value = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), value);
  return value;
}

std::string redact(std::string text, const std::string& password) {
  replace_all(text, password, "********");
  replace_all(text, percent_decode(password), "********");
  return text;
}

core::Result<Target> describe_target(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? one_line(error) : "out of memory";
    PQfreemem(error);
    return core::fail(fmt::format("the PostgreSQL URI is malformed: {}",
                                  redact(std::move(reason), password_in(uri))));
  }
  std::string user, host, hostaddr, port, dbname, password;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    const std::string_view key = o->keyword;
    const std::string value = o->val != nullptr ? o->val : "";
    if (key == "user") user = value;
    if (key == "host") host = value;
    if (key == "hostaddr") hostaddr = value;
    if (key == "port") port = value;
    if (key == "dbname") dbname = value;
    if (key == "password") password = value;
  }
  PQconninfoFree(options);
  if (host.empty()) host = hostaddr.empty() ? "the local socket" : hostaddr;
  std::string description = user.empty() ? host : fmt::format("{}@{}", user, host);
  description += fmt::format(":{}", port.empty() ? "5432" : port);
  if (!dbname.empty()) description += "/" + dbname;
  // The URI's own spelling (perhaps percent-encoded) when it has one: redact() removes that
  // and its decoded form.
  if (auto written = password_in(uri); !written.empty()) password = std::move(written);
  return Target{redact(std::move(description), password), password};
}

core::Result<std::unique_ptr<Connection>> Connection::open(const std::string& uri,
                                                           const Target& target) {
  // Later keywords win; the URI comes last, so its own connect_timeout, application_name or
  // options override these defaults. A dead host fails after 10 s instead of hanging a request,
  // and a zone's row held longer than 10 s by another session (a stuck primary, an operator's
  // open psql transaction) fails the waiting commit instead of holding an HTTP thread forever.
  const char* keywords[] = {"connect_timeout", "application_name", "options", "dbname", nullptr};
  const char* values[] = {"10", "mxkit-console", "-c lock_timeout=10s", uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr)
    return core::fail(
        fmt::format("PostgreSQL at {}: cannot connect: out of memory", target.description));
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = redact(one_line(PQerrorMessage(conn)), target.password);
    PQfinish(conn);
    return core::fail(
        fmt::format("PostgreSQL at {}: cannot connect: {}", target.description, reason));
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, target));
}

tl::expected<Rows, SqlError> Connection::exec(const std::string& sql, const Params& params) {
  const auto values = params.pointers();
  PGresult* result = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, /*text results*/ 0);
  const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  SqlError error;
  if (result != nullptr) {
    if (const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE); state != nullptr)
      error.sqlstate = state;
    // The primary message with its detail and hint, without the "LINE 1: …" excerpt of the
    // statement that PQresultErrorMessage adds.
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
    const char* hint = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT);
    if (primary != nullptr) error.message = one_line(primary);
    if (detail != nullptr) error.message += " (" + one_line(detail) + ")";
    if (hint != nullptr) error.message += " (hint: " + one_line(hint) + ")";
    PQclear(result);
  }
  if (error.message.empty()) error.message = one_line(PQerrorMessage(conn_));
  // Class 08 is "connection exception"; 57P01–57P03 are the server going away (shutdown,
  // crash recovery, a terminated session): the session is gone either way.
  error.connection_lost = PQstatus(conn_) == CONNECTION_BAD || error.sqlstate.starts_with("08") ||
                          error.sqlstate.starts_with("57P");
  error.message = redact(std::move(error.message), target_.password);
  return tl::unexpected(std::move(error));
}

bool Connection::healthy() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Connection::in_transaction() const {
  const auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

void Pool::drop_idle() {
  std::vector<std::unique_ptr<Connection>> closing;
  std::lock_guard lock(mutex_);
  closing.swap(idle_);
}

Pool::Lease::~Lease() {
  if (!conn_ || !conn_->healthy()) return;  // a broken connection is closed, not reused
  std::lock_guard lock(pool_.mutex_);
  if (pool_.idle_.size() < kMaxIdle) pool_.idle_.push_back(std::move(conn_));
}

core::Result<Pool::Lease> Pool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
  }
  // Connect outside the lock: another thread's connect or query need not wait for this one.
  auto conn = Connection::open(uri_, target_);
  if (!conn) return tl::unexpected(conn.error());
  return Lease(*this, std::move(*conn));
}

}  // namespace mxkit::console::pg
