// One outgoing SMTP connection: TCP (and TLS after STARTTLS) driven by the socket-free
// smtp::ClientSession, every wait bounded by the RFC 5321 §4.5.3.2 timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <tl/expected.hpp>

#include "smtp/client_session.hpp"

namespace mxkit::delivery {

// RFC 5321 §4.5.3.2 and its minimums; connect is ours (Postfix: smtp_connect_timeout 30s).
struct SmtpTimeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(30)};
  std::chrono::milliseconds greeting{std::chrono::minutes(5)};   // §4.5.3.2.1 initial 220
  std::chrono::milliseconds command{std::chrono::minutes(5)};    // EHLO, STARTTLS, MAIL, RCPT, RSET
  std::chrono::milliseconds data_init{std::chrono::minutes(2)};  // §4.5.3.2.4 the 354
  std::chrono::milliseconds data_block{std::chrono::minutes(3)};  // §4.5.3.2.5 each write
  std::chrono::milliseconds data_end{std::chrono::minutes(10)};   // §4.5.3.2.6 after "."
  std::chrono::milliseconds tls_handshake{std::chrono::minutes(1)};
  std::chrono::milliseconds quit{std::chrono::seconds(5)};
};

struct ConnectionOptions {
  smtp::ClientConfig client;
  SmtpTimeouts timeouts;
  std::shared_ptr<asio::ssl::context> tls;  // null: STARTTLS is never tried
};

// Why a connection could not be made ready for mail.
struct ConnectFailure {
  enum class Kind : std::uint8_t {
    Refused,   // connection refused or unreachable: the host is down
    Timeout,   // connect or greeting timeout: the host is down or stuck
    Tls,       // the TLS handshake failed: retry in plaintext (Postfix's "may")
    Protocol,  // a 4xx/5xx at greeting or EHLO, or a malformed reply
  } kind = Kind::Refused;
  bool permanent = false;  // the reply was 5xx
  std::string message;     // "connect to mx[192.0.2.1]:25: Connection refused"
};

// The outcome of one transaction on a connection.
struct TransactionOutcome {
  std::vector<smtp::RecipientResult> results;   // one per recipient
  std::optional<smtp::SessionFailure> failure;  // MAIL refused, or the session broke
};

class SmtpConnection {
 public:
  // Connects, reads the greeting, says EHLO and takes STARTTLS when offered; ready for mail
  // when it returns a connection. `name` is the host name for logs ("mx.example.test").
  static asio::awaitable<tl::expected<std::unique_ptr<SmtpConnection>, ConnectFailure>> open(
      asio::any_io_executor executor, asio::ip::tcp::endpoint peer, std::string name,
      const ConnectionOptions& options);
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  asio::awaitable<TransactionOutcome> deliver(smtp::Transaction transaction);
  asio::awaitable<void> quit();  // QUIT, waits briefly for 221, closes

  bool usable() const;  // ready for another transaction
  bool tls_active() const;
  const asio::ip::tcp::endpoint& peer() const { return peer_; }
  const std::string& name() const { return name_; }
  std::string relay() const;  // "mx.example.test[192.0.2.1]:25", as logs and DSNs name it
  const std::vector<std::string>& transcript() const;
  std::uint32_t transactions() const { return transactions_; }

 private:
  struct Io;
  SmtpConnection(asio::any_io_executor executor, asio::ip::tcp::endpoint peer, std::string name,
                 const ConnectionOptions& options);
  // Runs the session's actions and feeds it what the server says, until it is Ready or closed.
  asio::awaitable<void> pump();
  std::chrono::milliseconds reply_timeout() const;

  std::unique_ptr<Io> io_;
  asio::ip::tcp::endpoint peer_;
  std::string name_;
  ConnectionOptions options_;
  smtp::ClientSession session_;
  bool ready_ = false;
  bool closed_ = false;
  bool tls_failed_ = false;
  std::optional<smtp::SessionFailure> close_failure_;
  std::optional<TransactionOutcome> done_;
  std::uint32_t transactions_ = 0;
};

// A client TLS context for opportunistic STARTTLS: TLS 1.2 or later, no certificate checks
// (RFC 7435 opportunistic security; Postfix's "may" level does not verify either).
std::shared_ptr<asio::ssl::context> make_client_tls_context();

}  // namespace mxkit::delivery
