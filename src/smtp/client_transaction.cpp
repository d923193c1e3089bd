// The mail transaction of the SMTP client (RFC 5321 §3.3): MAIL, RCPT..., DATA, the content and
// the final reply, pipelined when the server offers it (RFC 2920), with one result per recipient.
#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "smtp/client_session.hpp"

namespace mxkit::smtp {

namespace {

RecipientResult result(const Reply& reply, std::string_view stage) {
  RecipientResult r;
  r.kind = reply.positive()    ? RecipientResult::Kind::Delivered
           : reply.permanent() ? RecipientResult::Kind::Permanent
                               : RecipientResult::Kind::Transient;
  r.reply = reply;
  r.stage = std::string(stage);
  return r;
}

std::string path(const std::string& address) { return "<" + address + ">"; }

}  // namespace

void ClientSession::send(Transaction transaction) {
  if (phase_ != Phase::Ready) return;  // the courier sends only on Ready
  const std::size_t n = transaction.recipients.size();
  // Refusals decided here, before a byte is sent: RFC 1870 §6 (a message larger than the
  // server's SIZE is not offered) and RFC 6531 §3.4 (no SMTPUTF8 at the server: the message
  // cannot travel as it is).
  std::optional<Reply> local;
  std::string stage;
  if (size_limit_ > 0 && transaction.content.size() > size_limit_) {
    local = make_reply(552, "5.3.4",
                       fmt::format("message size {} exceeds the server's limit of {}",
                                   transaction.content.size(), size_limit_));
    stage = "SIZE";
  } else if (transaction.smtputf8 && !offers("SMTPUTF8")) {
    local = make_reply(553, "5.6.7", "SMTPUTF8 is required, but was not offered by the server");
    stage = "MAIL";
  } else if (n == 0) {
    local = make_reply(554, "5.5.1", "no recipients");
    stage = "MAIL";
  }
  if (local) {
    note("-- not sent: " + local->summary());
    ClientAction done;
    done.kind = ClientAction::Kind::Done;
    for (std::size_t i = 0; i < n; ++i) {
      done.results.push_back(result(*local, stage));
      done.results.back().local = true;
    }
    actions_.push_back(std::move(done));
    ready();
    return;
  }

  Current c;
  c.results.resize(n);
  c.accepted.assign(n, false);
  std::string mail = "MAIL FROM:" + path(transaction.sender);
  if (offers("SIZE")) mail += fmt::format(" SIZE={}", transaction.content.size());
  if (transaction.body_8bit && offers("8BITMIME")) mail += " BODY=8BITMIME";
  if (transaction.smtputf8) mail += " SMTPUTF8";
  std::vector<std::string> commands;
  if (used_) {
    commands.push_back("RSET");  // connection reuse: start from a clean state
    expected_.push_back({Expect::Rset, 0});
  }
  commands.push_back(std::move(mail));
  expected_.push_back({Expect::Mail, 0});
  for (std::size_t i = 0; i < n; ++i) {
    commands.push_back("RCPT TO:" + path(transaction.recipients[i]));
    expected_.push_back({Expect::Rcpt, i});
  }
  commands.push_back("DATA");
  expected_.push_back({Expect::Data, 0});
  c.transaction = std::move(transaction);
  used_ = true;
  phase_ = Phase::Transaction;

  // RFC 2920 §3.1: with PIPELINING, MAIL, every RCPT and DATA go out in one write; the content
  // waits for 354. Without it, one command per reply.
  if (config_.pipelining && offers("PIPELINING")) {
    for (auto& line : commands) command(std::move(line));
  } else {
    command(std::move(commands.front()));
    c.unsent.assign(std::make_move_iterator(commands.begin() + 1),
                    std::make_move_iterator(commands.end()));
  }
  current_ = std::move(c);
}

void ClientSession::send_next_unsent() {
  auto& c = *current_;
  if (c.unsent.empty()) return;
  std::string line = std::move(c.unsent.front());
  c.unsent.erase(c.unsent.begin());
  command(std::move(line));
}

void ClientSession::on_transaction_reply(Reply reply) {
  if (expected_.empty() || !current_) {
    fail({SessionFailure::Kind::Transient, "reading reply", reply,
          "unexpected reply: " + reply.summary()},
         false);
    return;
  }
  auto& c = *current_;
  const Expect e = expected_.front();
  expected_.pop_front();
  switch (e.kind) {
    case Expect::Rset:
    case Expect::Mail:
      if (!reply.positive() && !c.failure) {
        // RFC 5321 §5.1: a refused MAIL says this server will not take the message now; the
        // courier tries the next address. Every recipient gets the reply's class.
        c.failure = SessionFailure{
            reply.permanent() ? SessionFailure::Kind::Permanent : SessionFailure::Kind::Transient,
            e.kind == Expect::Mail ? "MAIL" : "RSET", reply, reply.summary()};
        for (auto& r : c.results) r = result(reply, c.failure->stage);
        if (!c.unsent.empty()) {  // nothing else went out: the transaction ends here
          c.unsent.clear();
          expected_.clear();
          finish_transaction();
          return;
        }
      }
      break;
    case Expect::Rcpt:
      if (c.failure) break;
      if (reply.positive()) {
        c.accepted[e.index] = true;
      } else {
        c.results[e.index] = result(reply, "RCPT");  // this recipient only (RFC 5321 §3.3)
      }
      if (!c.unsent.empty() && c.unsent.size() == 1 &&
          std::none_of(c.accepted.begin(), c.accepted.end(), [](bool a) { return a; }) &&
          e.index + 1 == c.accepted.size()) {
        // Nobody was accepted: no DATA (RFC 5321 §3.3, "no valid recipients").
        c.unsent.clear();
        expected_.clear();
        finish_transaction();
        return;
      }
      break;
    case Expect::Data: {
      const bool any = std::any_of(c.accepted.begin(), c.accepted.end(), [](bool a) { return a; });
      if (reply.code == 354) {
        if (any && !c.failure) {
          note(fmt::format("C: <message, {} octets>", c.transaction.content.size()));
          write(dot_stuff(c.transaction.content));
        } else {
          // RFC 2920 §3.1: a 354 after every RCPT failed still needs the end of the data; an
          // empty message is sent and its reply ignored.
          c.discard_data = true;
          note("C: .");
          write(".\r\n");
        }
        expected_.push_back({Expect::EndOfData, 0});
      } else {
        if (!c.failure) {
          // A positive reply other than 354 is a protocol error: defer, do not trust it.
          const Reply verdict = reply.positive()
                                    ? make_reply(451, "4.5.0", "DATA answered " + reply.summary())
                                    : reply;
          for (std::size_t i = 0; i < c.accepted.size(); ++i)
            if (c.accepted[i]) c.results[i] = result(verdict, "DATA");
        }
        finish_transaction();
        return;
      }
      break;
    }
    case Expect::EndOfData:
      // RFC 5321 §4.1.1.4: the reply to the end of data is the verdict for every recipient
      // accepted at RCPT.
      if (!c.discard_data && !c.failure) {
        for (std::size_t i = 0; i < c.accepted.size(); ++i)
          if (c.accepted[i]) c.results[i] = result(reply, "end of data");
      }
      finish_transaction();
      return;
  }
  send_next_unsent();  // without PIPELINING: the next command now that this one is answered
}

void ClientSession::finish_transaction() {
  auto& c = *current_;
  ClientAction done;
  done.kind = ClientAction::Kind::Done;
  done.failure = c.failure;
  for (std::size_t i = 0; i < c.results.size(); ++i) {
    if (c.results[i]) {
      done.results.push_back(std::move(*c.results[i]));
    } else {  // cannot happen with a conforming server; never lose a recipient over it
      done.results.push_back(
          result(make_reply(451, "4.5.0", "no reply for this recipient"), "RCPT"));
      done.results.back().local = true;
    }
  }
  current_.reset();
  expected_.clear();
  actions_.push_back(std::move(done));
  ready();
}

// The connection broke, timed out or sent garbage in the middle: every recipient not yet
// decided is deferred (RFC 5321 §6.1: retried later, at worst delivered twice, never lost).
void ClientSession::abort_transaction(const SessionFailure& why) {
  if (!current_) return;
  auto& c = *current_;
  const std::string stage(this->stage());
  const Reply lost = make_reply(451, "4.4.2", why.message);
  for (std::size_t i = 0; i < c.results.size(); ++i) {
    // A 250 at RCPT decided nothing yet; a refusal at RCPT stands.
    if (!c.results[i] || c.accepted[i]) {
      c.results[i] = result(lost, stage);
      c.results[i]->local = true;
    }
  }
  if (!c.failure) c.failure = why;
  ClientAction done;
  done.kind = ClientAction::Kind::Done;
  done.failure = c.failure;
  for (auto& r : c.results) done.results.push_back(std::move(*r));
  current_.reset();
  expected_.clear();
  actions_.push_back(std::move(done));
}

}  // namespace mxkit::smtp
