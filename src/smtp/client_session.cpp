// The SMTP client state machine (RFC 5321 §3 and §4, RFC 2920 PIPELINING, RFC 1870 SIZE,
// RFC 6152 8BITMIME, RFC 3207 STARTTLS, RFC 6531 SMTPUTF8): replies in, bytes and results out.
#include "smtp/client_session.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace mxkit::smtp {

namespace {

constexpr std::size_t kTranscriptLines = 256;  // the transcript keeps the last lines only
constexpr std::size_t kTranscriptLineMax = 512;

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string_view first_word(std::string_view line) {
  const auto end = line.find(' ');
  return end == std::string_view::npos ? line : line.substr(0, end);
}

SessionFailure::Kind failure_kind(const Reply& reply) {
  return reply.permanent() ? SessionFailure::Kind::Permanent : SessionFailure::Kind::Transient;
}

}  // namespace

// RFC 5321 §4.5.2: a line of the content that starts with "." gets one more "." in front; the
// content ends with CRLF "." CRLF. Lines end in CRLF (the spool's form); a missing final line
// end is added so the terminator stands on its own line.
std::string dot_stuff(std::string_view content) {
  std::string out;
  out.reserve(content.size() + content.size() / 64 + 8);
  bool line_start = true;
  std::size_t i = 0;
  while (i < content.size()) {
    if (line_start && content[i] == '.') out.push_back('.');
    const auto nl = content.find('\n', i);
    const auto end = nl == std::string_view::npos ? content.size() : nl + 1;
    out.append(content.substr(i, end - i));
    line_start = nl != std::string_view::npos;
    i = end;
  }
  if (!content.empty() && content.back() != '\n') out += "\r\n";
  out += ".\r\n";
  return out;
}

ClientSession::ClientSession(ClientConfig config) : config_(std::move(config)) {}

bool ClientSession::offers(std::string_view extension) const {
  const std::string wanted = upper(extension);
  return std::any_of(extensions_.begin(), extensions_.end(),
                     [&](const std::string& e) { return upper(first_word(e)) == wanted; });
}

std::string_view ClientSession::stage() const {
  switch (phase_) {
    case Phase::Greeting: return "greeting";
    case Phase::Ehlo: return "EHLO";
    case Phase::Helo: return "HELO";
    case Phase::StartTls: return "STARTTLS";
    case Phase::TlsHandshake: return "TLS handshake";
    case Phase::Ready: return "idle";
    case Phase::Transaction:
      if (expected_.empty()) return "MAIL";
      switch (expected_.front().kind) {
        case Expect::Rset: return "RSET";
        case Expect::Mail: return "MAIL";
        case Expect::Rcpt: return "RCPT";
        case Expect::Data: return "DATA";
        case Expect::EndOfData: return "end of data";
      }
      return "MAIL";
    case Phase::Quitting: return "QUIT";
    case Phase::Closed: return "closed";
  }
  return "closed";
}

void ClientSession::note(std::string line) {
  if (line.size() > kTranscriptLineMax) {
    line.resize(kTranscriptLineMax);
    line += "...";
  }
  if (transcript_.size() == kTranscriptLines) transcript_.erase(transcript_.begin());
  transcript_.push_back(std::move(line));
}

void ClientSession::write(std::string bytes) {
  if (!actions_.empty() && actions_.back().kind == ClientAction::Kind::Write) {
    actions_.back().bytes += bytes;  // one write for what is said together (RFC 2920 §3.1)
    return;
  }
  ClientAction a;
  a.kind = ClientAction::Kind::Write;
  a.bytes = std::move(bytes);
  actions_.push_back(std::move(a));
}

void ClientSession::command(std::string line) {
  note("C: " + line);
  line += "\r\n";
  write(std::move(line));
}

void ClientSession::close(std::optional<SessionFailure> failure) {
  if (phase_ == Phase::Closed) return;
  phase_ = Phase::Closed;
  ClientAction a;
  a.kind = ClientAction::Kind::Close;
  a.failure = std::move(failure);
  actions_.push_back(std::move(a));
}

void ClientSession::fail(SessionFailure failure, bool say_quit) {
  if (phase_ == Phase::Transaction) {
    abort_transaction(failure);
  }
  if (say_quit) command("QUIT");  // polite; the reply is not awaited
  close(std::move(failure));
}

void ClientSession::ehlo() {
  phase_ = Phase::Ehlo;
  extensions_.clear();
  size_limit_ = 0;
  command("EHLO " + config_.helo_name);
}

void ClientSession::ready() {
  phase_ = Phase::Ready;
  ClientAction a;
  a.kind = ClientAction::Kind::Ready;
  actions_.push_back(std::move(a));
}

void ClientSession::receive(std::span<const char> bytes) {
  if (phase_ == Phase::Closed) return;
  reader_.feed(bytes);
  while (phase_ != Phase::Closed) {
    auto next = reader_.next();
    if (!next) return;
    if (!*next) {
      fail({SessionFailure::Kind::Transient, std::string(stage()), std::nullopt,
            "malformed reply: " + next->error().message},
           false);
      return;
    }
    Reply reply = std::move(**next);
    note("S: " + reply.summary());
    on_reply(std::move(reply));
  }
}

void ClientSession::on_reply(Reply reply) {
  switch (phase_) {
    case Phase::Greeting:
      // RFC 5321 §3.1: 220 opens the session; 554 (or a 4xx such as 421) says no service here.
      if (reply.code == 220) {
        ehlo();
      } else {
        fail({failure_kind(reply), "greeting", reply, reply.summary()}, true);
      }
      return;
    case Phase::Ehlo:
      if (reply.code == 250) {
        // RFC 5321 §4.1.1.1: the first line names the server, every further line an extension.
        extensions_.assign(reply.lines.begin() + (reply.lines.empty() ? 0 : 1), reply.lines.end());
        for (const auto& e : extensions_) {
          if (upper(first_word(e)) != "SIZE" || e.size() <= 5) continue;
          const std::string_view value = std::string_view(e).substr(5);
          std::size_t limit = 0;
          if (std::from_chars(value.data(), value.data() + value.size(), limit).ec == std::errc{})
            size_limit_ = limit;  // RFC 1870 §4: "SIZE 0" or none means no fixed limit
        }
        if (config_.try_starttls && !tls_active_ && offers("STARTTLS")) {
          phase_ = Phase::StartTls;
          command("STARTTLS");
        } else {
          ready();
        }
      } else if (reply.code == 500 || reply.code == 502) {
        // RFC 5321 §3.2: a server that does not know EHLO gets HELO.
        phase_ = Phase::Helo;
        command("HELO " + config_.helo_name);
      } else {
        fail({failure_kind(reply), "EHLO", reply, reply.summary()}, true);
      }
      return;
    case Phase::Helo:
      if (reply.code == 250) {
        ready();
      } else {
        fail({failure_kind(reply), "HELO", reply, reply.summary()}, true);
      }
      return;
    case Phase::StartTls:
      if (reply.code == 220) {
        // RFC 3207 §4.2 (and the 2011 STARTTLS injection attacks): nothing read before the
        // handshake is believed after it.
        reader_ = ReplyReader();
        phase_ = Phase::TlsHandshake;
        ClientAction a;
        a.kind = ClientAction::Kind::StartTls;
        actions_.push_back(std::move(a));
      } else {
        ready();  // opportunistic TLS: a refused STARTTLS leaves the session in plaintext
      }
      return;
    case Phase::TlsHandshake:
      return;  // bytes before the handshake are dropped (above); none should arrive
    case Phase::Ready:
      // An unsolicited reply, e.g. a 421 before closing an idle connection (RFC 5321 §3.8).
      fail({failure_kind(reply), "idle", reply, reply.summary()}, false);
      return;
    case Phase::Transaction: on_transaction_reply(std::move(reply)); return;
    case Phase::Quitting: close(std::nullopt); return;
    case Phase::Closed: return;
  }
}

void ClientSession::tls_started(bool ok) {
  if (phase_ != Phase::TlsHandshake) return;
  if (!ok) {
    fail({SessionFailure::Kind::Transient, "STARTTLS", std::nullopt, "TLS handshake failed"},
         false);
    return;
  }
  tls_active_ = true;
  note("-- TLS started");
  ehlo();  // RFC 3207 §4.2: the server forgets what it said; ask again
}

void ClientSession::timed_out() {
  if (phase_ == Phase::Closed) return;
  if (phase_ == Phase::Quitting) {
    close(std::nullopt);
    return;
  }
  const std::string what = "timed out waiting for the reply to " + std::string(stage());
  fail({SessionFailure::Kind::Transient, std::string(stage()), std::nullopt, what}, false);
}

void ClientSession::closed() {
  if (phase_ == Phase::Closed) return;
  if (phase_ == Phase::Quitting || phase_ == Phase::Ready) {
    // Closing an idle connection is no failure of a transaction; the cache just drops it.
    close(phase_ == Phase::Ready ? std::optional<SessionFailure>(SessionFailure{
                                       SessionFailure::Kind::Transient, "idle", std::nullopt,
                                       "connection closed by the server"})
                                 : std::nullopt);
    return;
  }
  const std::string what = "connection closed by the server during " + std::string(stage());
  fail({SessionFailure::Kind::Transient, std::string(stage()), std::nullopt, what}, false);
}

void ClientSession::quit() {
  if (phase_ == Phase::Closed || phase_ == Phase::Quitting) return;
  if (phase_ == Phase::Transaction)
    abort_transaction({SessionFailure::Kind::Transient, "QUIT", std::nullopt, "session ended"});
  phase_ = Phase::Quitting;
  command("QUIT");
}

std::optional<ClientAction> ClientSession::next_action() {
  if (actions_.empty()) return std::nullopt;
  ClientAction a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

}  // namespace mxkit::smtp
