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
  Reply reply;         // the server's reply that decided it (RCPT's, or the one after DATA)
  std::string stage;   // "RCPT", "DATA", "end of data", "MAIL", "EHLO", "connect"...
  bool local = false;  // made up by the client (SIZE refusal, lost connection): no server said it
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

// RFC 5321 §4.5.2 transparency: the content with leading dots doubled and the final ".".
std::string dot_stuff(std::string_view content);

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
  const std::vector<std::string>& extensions() const { return extensions_; }  // after EHLO
  std::size_t server_size_limit() const { return size_limit_; }  // 0: none announced
  const std::vector<std::string>& transcript() const {
    return transcript_;
  }  // "C: MAIL FROM:<a>", "S: 250 ..."
  // What the session waits for now ("greeting", "MAIL", "end of data", "idle"...): the courier
  // picks the RFC 5321 §4.5.3.2 timeout by it.
  std::string_view stage() const;

 private:
  enum class Phase : std::uint8_t {
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    TlsHandshake,
    Ready,
    Transaction,
    Quitting,
    Closed
  };
  // A reply the transaction waits for, in the order the commands went out (RFC 2920 §3.1).
  struct Expect {
    enum Kind : std::uint8_t { Rset, Mail, Rcpt, Data, EndOfData } kind = Mail;
    std::size_t index = 0;  // Rcpt: which recipient
  };
  struct Current {
    Transaction transaction;
    std::vector<std::optional<RecipientResult>> results;
    std::vector<bool> accepted;
    std::vector<std::string> unsent;        // commands not yet written (no PIPELINING)
    std::optional<SessionFailure> failure;  // MAIL (or RSET) refused
    bool discard_data = false;              // 354 although nobody was accepted: send an empty body
  };

  void on_reply(Reply reply);
  void on_transaction_reply(Reply reply);
  void send_next_unsent();
  void finish_transaction();
  void abort_transaction(const SessionFailure& why);
  void fail(SessionFailure failure, bool say_quit);
  void close(std::optional<SessionFailure> failure);
  void ready();
  void ehlo();
  void command(std::string line);
  void write(std::string bytes);
  void note(std::string line);

  ClientConfig config_;
  Phase phase_ = Phase::Greeting;
  bool tls_active_ = false;
  bool used_ = false;  // a transaction ran: RSET before the next (connection reuse)
  std::size_t size_limit_ = 0;
  std::vector<std::string> extensions_;
  std::vector<std::string> transcript_;
  std::deque<ClientAction> actions_;
  std::deque<Expect> expected_;
  std::optional<Current> current_;
  ReplyReader reader_;
};

}  // namespace mxkit::smtp
