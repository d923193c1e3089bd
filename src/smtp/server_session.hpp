// The server side of an SMTP session (RFC 5321, with PIPELINING RFC 2920, SIZE RFC 1870,
// 8BITMIME RFC 6152, ENHANCEDSTATUSCODES RFC 2034, STARTTLS RFC 3207, SMTPUTF8 RFC 6531,
// CHUNKING RFC 3030) as a socket-free state machine: bytes in, replies and decisions out.
//
// The I/O layer (src/mta) drives it:
//
//   ServerSession s(config);                       // queues the 220 greeting
//   loop:
//     while (auto e = s.next_event()) switch (e->kind) {
//       Write:     append e->bytes to the output buffer
//       Sender:    s.answer(policy(e->envelope.sender))           (may be awaited)
//       Recipient: s.answer(policy(e->recipient))                 (may be awaited)
//       Message:   s.answer(co_await queue.store(...))            (the 250 only after fsync)
//       StartTls:  flush output, TLS handshake, s.tls_started(version)
//       Close:     flush output, close the connection
//     }
//     flush the output buffer (RFC 2920: replies to a pipelined group go out together, and
//     always before reading again), then s.receive(bytes read) or s.timed_out() / s.closed()
//
// While a decision is pending, next_event() returns nothing new and receive() only buffers:
// commands after it (pipelined) are answered in order once it is answered.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/address.hpp"
#include "smtp/data_decoder.hpp"
#include "smtp/reply.hpp"

namespace mxkit::smtp {

struct ServerConfig {
  std::string hostname = "localhost";  // in the greeting and EHLO reply
  std::string greeting_text = "ESMTP mxkit";
  std::size_t max_message_size = 50u << 20;  // SIZE; 552 5.3.4 beyond it
  std::size_t max_recipients = 100;          // 452 4.5.3 beyond it (RFC 5321 §4.5.3.1.8)
  std::size_t max_line_length = 1000;        // with CRLF (RFC 5321 §4.5.3.1.4 and .6); 500 5.5.2
  std::size_t max_errors = 20;               // bad commands before 421 4.7.0 and close
  bool tls_available = false;                // offer STARTTLS
  bool tls_active = false;                   // already TLS (after STARTTLS, or implicit TLS)
  bool chunking = true;                      // offer CHUNKING/BDAT
  // What a bare CR or bare LF in DATA gets (SMTP smuggling): Reject answers 550 5.6.0 after
  // the message's end and stores nothing; never does it end the message.
  enum class BareLineEnding : std::uint8_t {
    Reject,
    Normalize
  } bare_line_ending = BareLineEnding::Reject;
};

// What one transaction carries, filled as MAIL and RCPT are accepted.
struct Envelope {
  std::string helo;               // as given in EHLO/HELO
  bool esmtp = false;             // EHLO (not HELO)
  Path sender;                    // MAIL FROM (null for "<>")
  std::vector<Path> recipients;   // accepted RCPT TO, in order
  std::size_t declared_size = 0;  // SIZE= on MAIL, 0 when none
  bool body_8bit = false;         // BODY=8BITMIME
  bool smtputf8 = false;          // SMTPUTF8 on MAIL
};

// The answer to a Sender, Recipient or Message event.
struct Verdict {
  Reply reply;  // 250 to accept; anything else refuses (and is sent as given)
  static Verdict accept(std::string_view enhanced, std::string_view text);
  static Verdict refuse(std::uint16_t code, std::string_view enhanced, std::string_view text);
  bool accepted() const { return reply.positive(); }
};

struct Event {
  enum class Kind : std::uint8_t {
    Write,      // bytes: replies to send (one or several, in order)
    Sender,     // MAIL FROM passed syntax checks: envelope.sender is the candidate
    Recipient,  // RCPT TO passed syntax and limit checks: `recipient` is the candidate
    Message,    // end of DATA/BDAT LAST: `envelope` and `content` (dot-unstuffed, CRLF lines)
    StartTls,   // "220 2.0.0 Ready to start TLS" has been queued as a Write before this
    Close,      // after QUIT's 221, a 421, or too many errors
  } kind = Kind::Write;
  std::string bytes;
  Envelope envelope;    // Sender, Recipient, Message
  Path recipient;       // Recipient
  std::string content;  // Message
};

class ServerSession {
 public:
  explicit ServerSession(ServerConfig config);  // queues the 220 greeting

  // Bytes from the client. Buffers what cannot be handled yet (pipelining, pending decision).
  void receive(std::span<const char> bytes);
  // The client closed its side: a transaction in progress is abandoned.
  void closed();
  // No command in time (RFC 5321 §4.5.3.2): queues "421 4.4.2 ... timeout" and a Close.
  void timed_out();
  // The TLS handshake completed: all state is reset as RFC 3207 §4.2 requires (the client must
  // EHLO again); `version` ("TLSv1.3") is reported in tls_version().
  void tls_started(std::string version);
  // A refusal from the I/O layer before the greeting (connection limit): "421 4.7.0 ..." + Close.
  void refuse_connection(std::string_view text);

  // The next thing to do, or nullopt when the session needs more input or a decision.
  std::optional<Event> next_event();
  // The decision on the pending Sender, Recipient or Message event.
  void answer(Verdict verdict);

  bool awaiting_decision() const;
  bool finished() const;  // Close has been returned
  const std::string& tls_version() const { return tls_version_; }
  // The limit on bytes buffered while waiting (pipelined input beyond this is a protocol error).
  static constexpr std::size_t kMaxBufferedInput = 1u << 20;

 private:
  // What the session does with the next input bytes.
  enum class Phase : std::uint8_t { Command, Data, Bdat, TlsWait, Closed };
  enum class Pending : std::uint8_t { None, Sender, Recipient, Message };

  void process(std::string_view fresh);
  bool command_step();
  bool data_step();
  bool bdat_step();
  void execute(std::string_view line);
  void ehlo(std::string_view argument, bool esmtp);
  void mail(std::string_view argument);
  void rcpt(std::string_view argument);
  void data(bool has_argument);
  void bdat(std::string_view argument);
  void starttls(bool has_argument);
  void finish_message();
  void reserve_content();
  void reset_transaction();
  void reply(std::uint16_t code, std::string_view enhanced, std::string_view text);
  void error_reply(std::uint16_t code, std::string_view enhanced, std::string_view text);
  void flush_write();
  void decision(Event::Kind kind, Pending pending);
  void close_with(std::uint16_t code, std::string_view enhanced, std::string_view text);

  ServerConfig config_;
  std::string tls_version_;
  std::deque<Event> events_;
  std::string input_;
  std::size_t input_pos_ = 0;  // input_ before this has been handled
  std::string_view in_;        // while the machine runs: the input not yet handled
  std::string out_;            // replies not yet handed out as a Write event
  Phase phase_ = Phase::Command;
  Pending pending_ = Pending::None;
  Envelope envelope_;
  Path candidate_;  // the recipient of a pending Recipient event
  bool helo_done_ = false;
  bool mail_given_ = false;  // MAIL accepted: a transaction is open
  bool bdat_used_ = false;   // BDAT chunks received in this transaction (no DATA then)
  bool bdat_last_ = false;
  bool bdat_refused_ = false;  // the chunk being read is discarded; bdat_refusal_ answers it
  Reply bdat_refusal_;
  std::uint64_t bdat_remaining_ = 0;
  std::uint64_t bdat_size_ = 0;
  bool skipping_long_line_ = false;
  bool closing_ = false;   // Close queued
  bool finished_ = false;  // Close returned, or the client went away
  std::size_t errors_ = 0;
  std::string content_;
  DataDecoder decoder_;
};

}  // namespace mxkit::smtp
