// The SMTP client session against scripted servers: a table of server bytes → the bytes the
// client must write next, and the results each transaction ends with.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "smtp/client_session.hpp"

using mxkit::smtp::ClientAction;
using mxkit::smtp::ClientConfig;
using mxkit::smtp::ClientSession;
using mxkit::smtp::RecipientResult;
using mxkit::smtp::Transaction;

namespace {

struct Step {
  std::string server;  // bytes the server sends ("" at the start: nothing yet)
  std::string client;  // every byte the client must write in answer
};

struct Case {
  std::string name;
  std::vector<Transaction> transactions;  // sent one per Ready, then QUIT
  std::vector<Step> steps;
  std::vector<std::string> results;  // per Done: "D250 P550 T451" (kind + reply code)
  std::string close;                 // "" (no Close yet), "ok", or "fail:STAGE"
  bool pipelining = true;
  bool tls_ok = true;
  std::string end = "";  // "timeout" / "closed": what happens after the last step
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Transaction tx(std::vector<std::string> rcpts, std::string content = "Subject: t\r\n\r\nhi\r\n",
               std::string sender = "a@x.test") {
  Transaction t;
  t.sender = std::move(sender);
  t.recipients = std::move(rcpts);
  t.content = std::move(content);
  return t;
}

// Runs the session through a case and returns what it wrote per step, the results and the close.
struct Outcome {
  std::vector<std::string> writes;
  std::vector<std::string> results;
  std::string close;
};

struct Driver {
  ClientSession session;
  std::vector<Transaction> pending;
  bool tls_ok = true;
  Outcome run;
  std::string out;

  void pump() {
    while (auto a = session.next_action()) {
      switch (a->kind) {
        case ClientAction::Kind::Write: out += a->bytes; break;
        case ClientAction::Kind::StartTls: session.tls_started(tls_ok); break;
        case ClientAction::Kind::Ready:
          if (pending.empty()) {
            session.quit();
          } else {
            session.send(std::move(pending.front()));
            pending.erase(pending.begin());
          }
          break;
        case ClientAction::Kind::Done: {
          std::string line;
          for (const auto& r : a->results) {
            if (!line.empty()) line += ' ';
            line += r.kind == RecipientResult::Kind::Delivered   ? 'D'
                    : r.kind == RecipientResult::Kind::Permanent ? 'P'
                                                                 : 'T';
            line += std::to_string(r.reply.code);
          }
          run.results.push_back(line);
          break;
        }
        case ClientAction::Kind::Close:
          run.close = a->failure ? "fail:" + a->failure->stage : "ok";
          break;
      }
    }
  }
};

Outcome execute(const Case& c) {
  ClientConfig config;
  config.helo_name = "client.test";
  config.pipelining = c.pipelining;
  Driver d{ClientSession(config), c.transactions, c.tls_ok, {}, {}};
  for (const auto& step : c.steps) {
    d.session.receive(std::span<const char>(step.server.data(), step.server.size()));
    d.pump();
    d.run.writes.push_back(std::move(d.out));
    d.out.clear();
  }
  if (c.end == "timeout") d.session.timed_out();
  if (c.end == "closed") d.session.closed();
  d.pump();
  return d.run;
}

const std::string kEhloPipe =
    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n";
const std::string kEhloPlain = "250-mx.test\r\n250 SIZE\r\n";

const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      {"pipelined_one_recipient",
       {tx({"b@y.test"})},
       {{"220 mx.test ESMTP\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
        {"250 2.1.0 ok\r\n250 2.1.5 ok\r\n", ""},
        {"354 go\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n"},
        {"250 2.0.0 Ok: queued as X1\r\n", "QUIT\r\n"},
        {"221 2.0.0 bye\r\n", ""}},
       {"D250"},
       "ok"},
      {"not_pipelined_one_command_per_reply",
       {tx({"b@y.test", "c@y.test"})},
       {{"220 mx.test\r\n", "EHLO client.test\r\n"},
        {kEhloPlain, "MAIL FROM:<a@x.test> SIZE=18\r\n"},
        {"250 ok\r\n", "RCPT TO:<b@y.test>\r\n"},
        {"250 ok\r\n", "RCPT TO:<c@y.test>\r\n"},
        {"250 ok\r\n", "DATA\r\n"},
        {"354 go\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n"},
        {"250 ok\r\n", "QUIT\r\n"}},
       {"D250 D250"},
       ""},
      {"pipelining_offered_but_disabled",
       {tx({"b@y.test"})},
       {{"220 mx.test\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=18\r\n"}},
       {},
       "",
       false},
      {"helo_fallback_on_502",
       {tx({"b@y.test"})},
       {{"220 old.test\r\n", "EHLO client.test\r\n"},
        {"502 5.5.1 what\r\n", "HELO client.test\r\n"},
        {"250 old.test\r\n", "MAIL FROM:<a@x.test>\r\n"},
        {"250 ok\r\n", "RCPT TO:<b@y.test>\r\n"}},
       {},
       ""},
      {"helo_fallback_on_500",
       {},
       {{"220 old.test\r\n", "EHLO client.test\r\n"},
        {"500 unknown\r\n", "HELO client.test\r\n"},
        {"250 old.test\r\n", "QUIT\r\n"},
        {"221 bye\r\n", ""}},
       {},
       "ok"},
      {"greeting_421_moves_on",
       {tx({"b@y.test"})},
       {{"421 4.7.0 too busy\r\n", "QUIT\r\n"}},
       {},
       "fail:greeting"},
      {"greeting_554",
       {tx({"b@y.test"})},
       {{"554 no service\r\n", "QUIT\r\n"}},
       {},
       "fail:greeting"},
      {"ehlo_421",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"}, {"421 4.3.2 shutting down\r\n", "QUIT\r\n"}},
       {},
       "fail:EHLO"},
      {"rcpt_451_and_550_per_recipient",
       {tx({"b@y.test", "c@y.test", "d@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe,
         "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nRCPT "
         "TO:<d@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n451 4.7.1 try later\r\n550 5.1.1 no such user\r\n250 ok\r\n354 go\r\n",
         "Subject: t\r\n\r\nhi\r\n.\r\n"},
        {"250 2.0.0 queued\r\n", "QUIT\r\n"}},
       {"T451 P550 D250"},
       ""},
      {"all_rcpt_refused_pipelined_data_refused",
       {tx({"b@y.test"}), tx({"c@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n",
         "RSET\r\nMAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"}},
       {"P550"},
       ""},
      {"all_rcpt_refused_but_354_sends_lone_dot",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n", ".\r\n"},
        {"250 ok, empty\r\n", "QUIT\r\n"}},
       {"P550"},
       ""},
      {"all_rcpt_refused_not_pipelined_no_data",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPlain, "MAIL FROM:<a@x.test> SIZE=18\r\n"},
        {"250 ok\r\n", "RCPT TO:<b@y.test>\r\n"},
        {"550 5.1.1 unknown\r\n", "QUIT\r\n"}},
       {"P550"},
       ""},
      {"552_after_data_applies_to_all_accepted",
       {tx({"b@y.test", "c@y.test", "d@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe,
         "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nRCPT "
         "TO:<d@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n250 ok\r\n550 no\r\n250 ok\r\n354 go\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n"},
        {"552 5.3.4 too big for us\r\n", "QUIT\r\n"}},
       {"P552 P550 P552"},
       ""},
      {"451_after_data_defers_all",
       {tx({"b@y.test", "c@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe,
         "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n"},
        {"451 4.3.0 disk trouble\r\n", "QUIT\r\n"}},
       {"T451 T451"},
       ""},
      {"data_refused_554",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n250 ok\r\n554 5.7.1 no\r\n", "QUIT\r\n"}},
       {"P554"},
       ""},
      {"mail_451_pipelined_fails_session_after_all_replies",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
        {"451 4.3.0 later\r\n503 5.5.1 need MAIL\r\n", ""},
        {"503 5.5.1 need RCPT\r\n", "QUIT\r\n"}},
       {"T451"},
       ""},
      {"mail_550_not_pipelined",
       {tx({"b@y.test", "c@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPlain, "MAIL FROM:<a@x.test> SIZE=18\r\n"},
        {"550 5.7.1 sender refused\r\n", "QUIT\r\n"}},
       {"P550 P550"},
       ""},
      {"dot_stuffing_and_final_crlf",
       {tx({"b@y.test"}, ".leading\r\nmid.dle\r\n..two\r\n.\r\nend")},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=32\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n250 ok\r\n354 go\r\n", "..leading\r\nmid.dle\r\n...two\r\n..\r\nend\r\n.\r\n"},
        {"250 ok\r\n", "QUIT\r\n"}},
       {"D250"},
       ""},
      {"size_refused_locally_nothing_sent",
       {tx({"b@y.test", "c@y.test"}, std::string(1001, 'x'))},
       {{"220 mx\r\n", "EHLO client.test\r\n"}, {kEhloPipe, "QUIT\r\n"}},
       {"P552 P552"},
       ""},
      {"null_sender_and_8bit",
       {[] {
         auto t = tx({"b@y.test"}, "x\r\n", "");
         t.body_8bit = true;
         return t;
       }()},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<> SIZE=3 BODY=8BITMIME\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"}},
       {},
       ""},
      {"smtputf8_not_offered_refused_locally",
       {[] {
         auto t = tx({"b@y.test"});
         t.smtputf8 = true;
         return t;
       }()},
       {{"220 mx\r\n", "EHLO client.test\r\n"}, {kEhloPipe, "QUIT\r\n"}},
       {"P553"},
       ""},
      {"multi_transaction_reuse_with_rset",
       {tx({"b@y.test"}), tx({"c@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe, "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n250 ok\r\n354 go\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n"},
        {"250 ok 1\r\n", "RSET\r\nMAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
        {"250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n"},
        {"250 ok 2\r\n", "QUIT\r\n"},
        {"221 bye\r\n", ""}},
       {"D250", "D250"},
       "ok"},
      {"starttls_then_ehlo_again",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {"250-mx\r\n250-STARTTLS\r\n250 PIPELINING\r\n", "STARTTLS\r\n"},
        {"220 2.0.0 go ahead\r\n", "EHLO client.test\r\n"},
        {"250-mx\r\n250 PIPELINING\r\n", "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"}},
       {},
       ""},
      {"starttls_refused_continues_plain",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {"250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n"},
        {"454 4.7.0 TLS not available\r\n", "MAIL FROM:<a@x.test>\r\n"}},
       {},
       ""},
      {"starttls_handshake_failure_closes",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {"250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n"},
        {"220 go\r\n", ""}},
       {},
       "fail:STARTTLS",
       true,
       false},
      {"starttls_drops_injected_bytes",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {"250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n"},
        {"220 go\r\n250 injected\r\n", "EHLO client.test\r\n"},
        {"250 mx\r\n", "MAIL FROM:<a@x.test>\r\n"}},
       {},
       ""},
      {"timeout_after_data_defers",
       {tx({"b@y.test", "c@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPipe,
         "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
        {"250 ok\r\n550 no\r\n250 ok\r\n354 go\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n"}},
       {"P550 T451"},
       "fail:end of data",
       true,
       true,
       "timeout"},
      {"closed_mid_rcpt_defers",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"},
        {kEhloPlain, "MAIL FROM:<a@x.test> SIZE=18\r\n"},
        {"250 ok\r\n", "RCPT TO:<b@y.test>\r\n"}},
       {"T451"},
       "fail:RCPT",
       true,
       true,
       "closed"},
      {"greeting_timeout", {tx({"b@y.test"})}, {}, {}, "fail:greeting", true, true, "timeout"},
      {"malformed_reply_fails",
       {tx({"b@y.test"})},
       {{"220 mx\r\n", "EHLO client.test\r\n"}, {"hello there\r\n", ""}},
       {},
       "fail:EHLO"},
      {"multiline_greeting_and_split_reads",
       {},
       {{"220-mx.test\r\n220-", ""},
        {"more\r\n220 done\r\n", "EHLO client.test\r\n"},
        {"250-mx\r", ""},
        {"\n250 8BITMIME\r\n", "QUIT\r\n"}},
       {},
       ""},
  };
  return table;
}

class ClientTable : public ::testing::TestWithParam<Case> {};

TEST_P(ClientTable, Script) {
  const Case& c = GetParam();
  const Outcome r = execute(c);
  ASSERT_EQ(r.writes.size(), c.steps.size());
  for (std::size_t i = 0; i < c.steps.size(); ++i)
    EXPECT_EQ(r.writes[i], c.steps[i].client)
        << "after server step " << i << ": " << c.steps[i].server;
  EXPECT_EQ(r.results, c.results);
  EXPECT_EQ(r.close, c.close);
}

INSTANTIATE_TEST_SUITE_P(Scripts, ClientTable, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(ClientSession, Extensions) {
  ClientSession s(ClientConfig{});
  const std::string in =
      "220 mx\r\n250-mx\r\n250-SIZE 52428800\r\n250-pipelining\r\n250 STARTTLS\r\n";
  s.receive(std::span<const char>(in.data(), in.size()));
  EXPECT_TRUE(s.offers("PIPELINING"));
  EXPECT_TRUE(s.offers("starttls"));
  EXPECT_FALSE(s.offers("8BITMIME"));
  EXPECT_EQ(s.server_size_limit(), 52428800u);
  EXPECT_EQ(s.stage(), "STARTTLS");
}

TEST(ClientSession, TranscriptIsBoundedOverManyTransactions) {
  ClientSession s(ClientConfig{});
  std::string replies = "220 mx\r\n";
  int sent = 0, done = 0;
  bool closed = false;
  for (int round = 0; round < 10000 && !closed; ++round) {
    s.receive(std::span<const char>(replies.data(), replies.size()));
    replies.clear();
    while (auto a = s.next_action()) {
      switch (a->kind) {
        case ClientAction::Kind::Write:  // no PIPELINING: one command (or the content) per write
          replies += a->bytes == "DATA\r\n"         ? "354 go\r\n"
                     : a->bytes.starts_with("EHLO") ? "250 mx\r\n"
                                                    : "250 ok\r\n";
          break;
        case ClientAction::Kind::Ready:
          if (sent++ < 300)
            s.send(tx({"b@y.test"}));
          else
            s.quit();
          break;
        case ClientAction::Kind::Done:
          ++done;
          EXPECT_EQ(a->results.at(0).kind, RecipientResult::Kind::Delivered);
          break;
        case ClientAction::Kind::Close: closed = true; break;
        case ClientAction::Kind::StartTls: FAIL(); break;
      }
    }
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(done, 300);
  EXPECT_EQ(s.transcript().size(), 256u);
  EXPECT_EQ(s.transcript().back(), "S: 250 ok");  // the reply to QUIT
}

TEST(DotStuff, Table) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"", ".\r\n"},
      {"a\r\n", "a\r\n.\r\n"},
      {".\r\n", "..\r\n.\r\n"},
      {"a\r\n.b\r\n", "a\r\n..b\r\n.\r\n"},
      {"no end", "no end\r\n.\r\n"},
      {"x.\r\n.", "x.\r\n..\r\n.\r\n"},
  };
  for (const auto& [in, out] : table) EXPECT_EQ(mxkit::smtp::dot_stuff(in), out) << in;
}

}  // namespace
