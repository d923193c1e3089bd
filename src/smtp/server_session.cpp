// The SMTP server session (RFC 5321 §4) as a socket-free state machine. The reply for every
// situation is listed in docs/smtp.md; keep the two in step.
#include "smtp/server_session.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "smtp/command.hpp"

namespace mxkit::smtp {

namespace {

// RFC 3207 §4: after STARTTLS the client starts the handshake; anything it pipelined behind
// the command was sent in plaintext and must not be taken as if it came over TLS.
constexpr std::string_view kStartTlsReady = "220 2.0.0 Ready to start TLS\r\n";

}  // namespace

Verdict Verdict::accept(std::string_view enhanced, std::string_view text) {
  return Verdict{make_reply(250, enhanced, text)};
}

Verdict Verdict::refuse(std::uint16_t code, std::string_view enhanced, std::string_view text) {
  return Verdict{make_reply(code, enhanced, text)};
}

ServerSession::ServerSession(ServerConfig config) : config_(std::move(config)) {
  // RFC 5321 §4.3.1 greeting; RFC 2034 §3: no enhanced code on the greeting.
  out_ = "220 " + config_.hostname + " " + config_.greeting_text + "\r\n";
  flush_write();
}

// ---- Output -------------------------------------------------------------------------------

void ServerSession::reply(std::uint16_t code, std::string_view enhanced, std::string_view text) {
  char digits[4] = {static_cast<char>('0' + code / 100 % 10),
                    static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10),
                    ' '};
  out_.append(digits, 4);
  if (!enhanced.empty()) {
    out_ += enhanced;
    out_ += ' ';
  }
  out_ += text;
  out_ += "\r\n";
}

// A reply for a client mistake. Past max_errors mistakes the connection ends instead (RFC 5321
// §4.5.3.2 lets a server close on abuse; Postfix's smtpd_hard_error_limit does the same).
void ServerSession::error_reply(std::uint16_t code, std::string_view enhanced,
                                std::string_view text) {
  if (++errors_ > config_.max_errors) {
    close_with(421, "4.7.0", config_.hostname + " Error: too many errors");
    return;
  }
  reply(code, enhanced, text);
}

void ServerSession::flush_write() {
  if (out_.empty()) return;
  Event e;
  e.kind = Event::Kind::Write;
  e.bytes = std::move(out_);
  out_.clear();
  events_.push_back(std::move(e));
}

void ServerSession::close_with(std::uint16_t code, std::string_view enhanced,
                               std::string_view text) {
  reply(code, enhanced, text);
  flush_write();
  Event e;
  e.kind = Event::Kind::Close;
  events_.push_back(std::move(e));
  closing_ = true;
  phase_ = Phase::Closed;
  pending_ = Pending::None;
}

// The replies so far stay in out_: the I/O layer only writes before it reads, so holding them
// until the group is done gives one Write (one syscall) per pipelined group.
void ServerSession::decision(Event::Kind kind, Pending pending) {
  Event e;
  e.kind = kind;
  e.envelope = envelope_;
  if (kind == Event::Kind::Recipient) e.recipient = candidate_;
  if (kind == Event::Kind::Message) e.content = std::move(content_);
  content_.clear();
  events_.push_back(std::move(e));
  pending_ = pending;
}

// ---- The I/O layer's calls ----------------------------------------------------------------

void ServerSession::receive(std::span<const char> bytes) {
  if (closing_ || finished_) return;
  if (phase_ == Phase::TlsWait) return;  // plaintext after STARTTLS: discarded (RFC 3207 §4.2)
  process(std::string_view(bytes.data(), bytes.size()));
  if (!closing_ && input_.size() - input_pos_ > kMaxBufferedInput) {
    // Only possible while a decision is pending: the client pipelines without limit.
    close_with(421, "4.7.0", config_.hostname + " Error: too much pipelined input");
  }
}

void ServerSession::closed() {
  finished_ = true;
  phase_ = Phase::Closed;
  pending_ = Pending::None;
  events_.clear();
  input_.clear();
  input_pos_ = 0;
  content_.clear();
}

void ServerSession::timed_out() {
  if (closing_ || finished_) return;
  close_with(421, "4.4.2", config_.hostname + " Error: timeout exceeded");
}

void ServerSession::tls_started(std::string version) {
  if (phase_ != Phase::TlsWait) return;
  tls_version_ = std::move(version);
  config_.tls_active = true;
  // RFC 3207 §4.2: forget everything learnt before TLS, including the EHLO.
  helo_done_ = false;
  envelope_ = Envelope{};
  reset_transaction();
  input_.clear();
  input_pos_ = 0;
  phase_ = Phase::Command;
}

void ServerSession::refuse_connection(std::string_view text) {
  events_.clear();  // the greeting
  out_.clear();
  close_with(421, "4.7.0", config_.hostname + " " + std::string(text));
}

std::optional<Event> ServerSession::next_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  if (e.kind == Event::Kind::Close) finished_ = true;
  return e;
}

void ServerSession::answer(Verdict verdict) {
  if (pending_ == Pending::None || closing_) return;
  const Pending was = pending_;
  pending_ = Pending::None;
  out_ += verdict.reply.wire();
  if (was == Pending::Sender) {
    if (verdict.accepted()) {
      mail_given_ = true;
    } else {
      reset_transaction();
    }
  } else if (was == Pending::Recipient) {
    if (verdict.accepted()) envelope_.recipients.push_back(std::move(candidate_));
    candidate_ = Path{};
  } else {
    reset_transaction();  // RFC 5321 §4.1.1.4: the transaction ends either way
  }
  process({});
}

bool ServerSession::awaiting_decision() const { return pending_ != Pending::None; }

bool ServerSession::finished() const { return finished_; }

// ---- The machine --------------------------------------------------------------------------

// Runs the machine over what was buffered plus `fresh`. With nothing buffered it reads `fresh`
// in place, so message content goes from the caller's buffer straight into the message; only
// what cannot be handled yet (a partial line, input behind a pending decision) is copied.
void ServerSession::process(std::string_view fresh) {
  const bool in_place = input_pos_ == input_.size();
  if (in_place) {
    input_.clear();
    input_pos_ = 0;
    in_ = fresh;
  } else {
    input_.append(fresh);
    in_ = std::string_view(input_).substr(input_pos_);
  }
  while (pending_ == Pending::None && !closing_) {
    bool progress = false;
    switch (phase_) {
      case Phase::Command: progress = command_step(); break;
      case Phase::Data: progress = data_step(); break;
      case Phase::Bdat: progress = bdat_step(); break;
      case Phase::TlsWait:
      case Phase::Closed: break;
    }
    if (!progress) break;
  }
  if (in_place) {
    input_.assign(in_);
  } else {
    input_pos_ = input_.size() - in_.size();
  }
  in_ = {};
  if (input_pos_ == input_.size()) {
    input_.clear();
    input_pos_ = 0;
  } else if (input_pos_ > 4096 && input_pos_ * 2 > input_.size()) {
    input_.erase(0, input_pos_);
    input_pos_ = 0;
  }
  // Replies to everything handled so far go out together (RFC 2920 §3.1: one write per group).
  if (pending_ == Pending::None) flush_write();
}

bool ServerSession::command_step() {
  const char* begin = in_.data();
  const std::size_t available = in_.size();
  if (available == 0) return false;
  if (skipping_long_line_) {
    const void* nl = std::memchr(begin, '\n', available);
    if (nl == nullptr) {
      in_ = {};
      return false;
    }
    in_.remove_prefix(static_cast<std::size_t>(static_cast<const char*>(nl) - begin) + 1);
    skipping_long_line_ = false;
    error_reply(500, "5.5.2", "Error: line too long");  // RFC 5321 §4.5.3.1.10
    return true;
  }
  const std::size_t limit = std::max<std::size_t>(config_.max_line_length, 3);
  const void* nl = std::memchr(begin, '\n', std::min(available, limit));
  if (nl == nullptr) {
    if (available >= limit) {
      skipping_long_line_ = true;  // the next step looks for its end
      return true;
    }
    return false;
  }
  const auto length = static_cast<std::size_t>(static_cast<const char*>(nl) - begin);
  std::string_view line(begin, length);
  in_.remove_prefix(length + 1);
  // Commands end in CRLF; a bare LF is taken too, as most servers do (it cannot confuse the
  // end of DATA, which only ever ends on CRLF.CRLF).
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  execute(line);
  return true;
}

void ServerSession::execute(std::string_view line) {
  const Command command = parse_command(line);
  switch (command.verb) {
    case Verb::Ehlo: ehlo(command.argument, true); break;
    case Verb::Helo: ehlo(command.argument, false); break;
    case Verb::Mail: mail(command.argument); break;
    case Verb::Rcpt: rcpt(command.argument); break;
    case Verb::Data: data(command.has_argument); break;
    case Verb::Bdat: bdat(command.argument); break;
    case Verb::StartTls: starttls(command.has_argument); break;
    case Verb::Rset:
      if (command.has_argument) return error_reply(501, "5.5.4", "Syntax: RSET");
      reset_transaction();
      reply(250, "2.0.0", "Ok");
      break;
    case Verb::Noop: reply(250, "2.0.0", "Ok"); break;  // RFC 5321 §4.1.1.9: argument ignored
    case Verb::Quit:
      if (command.has_argument) return error_reply(501, "5.5.4", "Syntax: QUIT");
      close_with(221, "2.0.0", "Bye");
      break;
    case Verb::Vrfy:
      if (!command.has_argument) return error_reply(501, "5.5.4", "Syntax: VRFY address");
      // RFC 5321 §3.5.3: 252 when the server will not say whether the user exists.
      reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
      break;
    case Verb::Expn: error_reply(502, "5.5.1", "Error: EXPN not supported"); break;
    case Verb::Help:
      reply(214, "2.0.0",
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS");
      break;
    case Verb::Unknown: error_reply(500, "5.5.2", "Error: command not recognized"); break;
  }
}

void ServerSession::reset_transaction() {
  envelope_.sender = Path{};
  envelope_.recipients.clear();
  envelope_.declared_size = 0;
  envelope_.body_8bit = false;
  envelope_.smtputf8 = false;
  mail_given_ = false;
  bdat_used_ = false;
  content_.clear();
}

// EHLO/HELO (RFC 5321 §4.1.1.1): also a reset (§4.1.4). RFC 2034 §3 exempts its reply from
// enhanced codes.
void ServerSession::ehlo(std::string_view argument, bool esmtp) {
  // The name goes into the Received: header (RFC 5321 §4.4): printable ASCII only, so that it
  // can never carry a line break or other octets into the stored message.
  const bool printable =
      std::all_of(argument.begin(), argument.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  if (argument.empty() || !printable) {
    return error_reply(501, "5.5.4", esmtp ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
  }
  reset_transaction();
  helo_done_ = true;
  envelope_.helo = std::string(argument);
  envelope_.esmtp = esmtp;
  if (!esmtp) {
    out_ += "250 " + config_.hostname + "\r\n";
    return;
  }
  out_ += "250-" + config_.hostname + "\r\n";
  out_ += "250-PIPELINING\r\n";
  out_ += "250-SIZE " + std::to_string(config_.max_message_size) + "\r\n";
  out_ += "250-8BITMIME\r\n";
  out_ += "250-ENHANCEDSTATUSCODES\r\n";
  if (config_.tls_available && !config_.tls_active) out_ += "250-STARTTLS\r\n";
  if (config_.chunking) out_ += "250-CHUNKING\r\n";
  out_ += "250 SMTPUTF8\r\n";
}

void ServerSession::starttls(bool has_argument) {
  if (has_argument) return error_reply(501, "5.5.4", "Syntax: STARTTLS");
  if (config_.tls_active) return error_reply(554, "5.5.1", "Error: TLS already active");
  if (!config_.tls_available) return error_reply(502, "5.5.1", "Error: STARTTLS not available");
  out_ += kStartTlsReady;
  flush_write();
  Event e;
  e.kind = Event::Kind::StartTls;
  events_.push_back(std::move(e));
  // Whatever followed STARTTLS in the same packets was sent before TLS: drop it (the
  // CVE-2011-0411 command injection).
  in_ = {};
  phase_ = Phase::TlsWait;
}

}  // namespace mxkit::smtp
