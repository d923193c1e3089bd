// The client side of an SMTP session (RFC 5321 §3, §4; PIPELINING RFC 2920, SIZE RFC 1870,
// 8BITMIME, STARTTLS RFC 3207, SMTPUTF8) as a socket-free state machine, for delivery: it reads
// the server's replies and says what to write, and ends each transaction with one result per
// recipient. One session can carry several transactions (connection reuse).
//
// The I/O layer (src/delivery) drives it:
//
//   ClientSession c(config);
//   loop:
//     while (auto a = c.next_action()) switch (a->kind) {
//       Write:       write a->bytes
//       StartTls:    TLS handshake; c.tls_started(ok) (false: the courier may retry in plaintext)
//       Ready:       c.send(transaction) to deliver a message, or c.quit()
//       Done:        a->results: one per recipient of the transaction just ended
//       Close:       close the connection; a->failure says why when it failed
//     }
//     c.receive(bytes read) / c.timed_out() / c.closed()
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"

namespace mxkit::smtp {

struct ClientConfig {
  std::string helo_name = "localhost";  // our name in EHLO/HELO
  bool try_starttls = true;             // STARTTLS when the server offers it (opportunistic)
  bool pipelining = true;               // use PIPELINING when offered
};

// One message to deliver on the session.
struct Transaction {
  std::string sender;                   // reverse-path without <> ("" for the null path)
  std::vector<std::string> recipients;  // forward-paths without <>
  std::string content;                  // the message, CRLF line endings, not dot-stuffed
  bool body_8bit = false;               // send BODY=8BITMIME when the server offers 8BITMIME
  bool smtputf8 = false;                // needs SMTPUTF8: fails (5.6.7) when not offered
};

// The outcome for one recipient, RFC 5321 §4.2 classes.
struct RecipientResult {
  enum class Kind : std::uint8_t { Delivered, Transient, Permanent } kind = Kind::Transient;
  Reply reply;        // the server's reply that decided it (RCPT's, or the one after DATA)
  std::string stage;  // "RCPT", "DATA", "end of data", "MAIL", "EHLO", "connect"...
};

// Why a session could not carry (more) mail: a failure before any transaction started tells
// the courier to try the next address (RFC 5321 §5.1).
struct SessionFailure {
  enum class Kind : std::uint8_t { Transient, Permanent } kind = Kind::Transient;
  std::string stage;  // "greeting", "EHLO", "STARTTLS", "MAIL", "reading reply"...
  std::optional<Reply> reply;
  std::string message;  // "421 4.7.0 too busy" or "malformed reply: ..."
};

struct ClientAction {
  enum class Kind : std::uint8_t { Write, StartTls, Ready, Done, Close } kind = Kind::Write;
  std::string bytes;                      // Write
  std::vector<RecipientResult> results;   // Done: one per recipient, in the transaction's order
  std::optional<SessionFailure> failure;  // Close after a failure; Done when MAIL failed
};

class ClientSession {
 public:
  explicit ClientSession(ClientConfig config);

  void receive(std::span<const char> bytes);
  void timed_out();  // a reply did not come in time: the current transaction fails transiently
  void closed();     // the server closed the connection
  void tls_started(bool ok);

  // Deliver a message when Ready; refuses a message bigger than the server's SIZE at once
  // (Done with Permanent 5.3.4 for every recipient, nothing sent).
  void send(Transaction transaction);
  void quit();

  std::optional<ClientAction> next_action();

  // What the server said it supports, after EHLO.
  bool tls_active() const { return tls_active_; }
  bool offers(std::string_view extension) const;  // "PIPELINING", "STARTTLS", "SIZE", ...
  std::size_t server_size_limit() const { return size_limit_; }  // 0: none announced
  const std::vector<std::string>& transcript() const {
    return transcript_;
  }  // "C: MAIL FROM:<a>", "S: 250 ..."

 private:
  struct State;
  ClientConfig config_;
  bool tls_active_ = false;
  std::size_t size_limit_ = 0;
  std::vector<std::string> extensions_;
  std::vector<std::string> transcript_;
  std::deque<ClientAction> actions_;
  ReplyReader reader_;
  // server_session.cpp / client_session.cpp may add private members.
};

}  // namespace mxkit::smtp
