// ServerSession commands as tables: client lines → reply codes with enhanced codes.
#include <gtest/gtest.h>

#include "smtp/server_session.hpp"
#include "smtp_session_driver.hpp"

namespace smtp = mxkit::smtp;
using smtp::testing::kEhlo;
using smtp::testing::run;

namespace {

struct Case {
  const char* name;
  std::string input;
  std::vector<std::string> codes;
};

constexpr const char* kHelo = "EHLO client.test\r\n";
const std::string kMail = "MAIL FROM:<a@example.test>\r\n";
const std::string kRcpt = "RCPT TO:<b@example.test>\r\n";

std::string ehlo_then(std::string rest) { return std::string(kHelo) + rest; }

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

class CommandTable : public ::testing::TestWithParam<Case> {};

TEST_P(CommandTable, Replies) {
  const auto& c = GetParam();
  const auto out = run(c.input);
  EXPECT_EQ(out.codes, c.codes) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Session, CommandTable,
    ::testing::Values(
        Case{"helo", "HELO client.test\r\n", {"250"}}, Case{"ehlo", kHelo, {kEhlo}},
        Case{"ehlo without name", "EHLO\r\n", {"501 5.5.4"}},
        Case{"ehlo with a CR inside", "EHLO a\rX-Injected: 1\r\n", {"501 5.5.4"}},
        Case{"helo with non-ASCII", "HELO h\xc3\xa9.test\r\n", {"501 5.5.4"}},
        Case{"ehlo address literal", "EHLO [192.0.2.1]\r\n", {kEhlo}},
        Case{"lowercase verbs",
             "ehlo x\r\nmail from:<a@b.test>\r\nrcpt to:<c@d.test>\r\n",
             {kEhlo, "250 2.1.0", "250 2.1.5"}},
        Case{"noop rset quit", "NOOP\r\nRSET\r\nQUIT\r\n", {"250 2.0.0", "250 2.0.0", "221 2.0.0"}},
        Case{"noop with argument", "NOOP hello\r\n", {"250 2.0.0"}},
        Case{"rset with argument", "RSET x\r\n", {"501 5.5.4"}},
        Case{"vrfy", "VRFY john\r\n", {"252 2.5.0"}},
        Case{"vrfy without argument", "VRFY\r\n", {"501 5.5.4"}},
        Case{"expn", "EXPN list\r\n", {"502 5.5.1"}}, Case{"help", "HELP\r\n", {"214 2.0.0"}},
        Case{"unknown command", "FOO bar\r\n", {"500 5.5.2"}},
        Case{"empty line", "\r\n", {"500 5.5.2"}},
        Case{"verb glued to text", "NOOPX\r\n", {"500 5.5.2"}},
        Case{"bare LF ends a command", "NOOP\nNOOP\n", {"250 2.0.0", "250 2.0.0"}},
        Case{"mail before helo", kMail, {"503 5.5.1"}},
        Case{"rcpt before mail", ehlo_then(kRcpt), {kEhlo, "503 5.5.1"}},
        Case{"data before mail", ehlo_then("DATA\r\n"), {kEhlo, "503 5.5.1"}},
        Case{"data without recipients",
             ehlo_then(kMail + "DATA\r\n"),
             {kEhlo, "250 2.1.0", "554 5.5.1"}},
        Case{"data with argument",
             ehlo_then(kMail + kRcpt + "DATA x\r\n"),
             {kEhlo, "250 2.1.0", "250 2.1.5", "501 5.5.4"}},
        Case{"nested mail", ehlo_then(kMail + kMail), {kEhlo, "250 2.1.0", "503 5.5.1"}},
        Case{"mail after rset",
             ehlo_then(kMail + "RSET\r\n" + kMail),
             {kEhlo, "250 2.1.0", "250 2.0.0", "250 2.1.0"}},
        Case{"ehlo resets the transaction",
             ehlo_then(kMail + kHelo + kRcpt),
             {kEhlo, "250 2.1.0", kEhlo, "503 5.5.1"}},
        Case{"mail without FROM:", ehlo_then("MAIL <a@b.test>\r\n"), {kEhlo, "501 5.5.4"}},
        Case{"mail with bad address", ehlo_then("MAIL FROM:<a@@b>\r\n"), {kEhlo, "501 5.1.7"}},
        Case{"mail without brackets", ehlo_then("MAIL FROM:a@b.test\r\n"), {kEhlo, "501 5.1.7"}},
        Case{"mail null sender", ehlo_then("MAIL FROM:<>\r\n"), {kEhlo, "250 2.1.0"}},
        Case{
            "mail space before path", ehlo_then("MAIL FROM: <a@b.test>\r\n"), {kEhlo, "250 2.1.0"}},
        Case{"rcpt with bad address",
             ehlo_then(kMail + "RCPT TO:<b@-x.test>\r\n"),
             {kEhlo, "250 2.1.0", "501 5.1.3"}},
        Case{"rcpt null", ehlo_then(kMail + "RCPT TO:<>\r\n"), {kEhlo, "250 2.1.0", "501 5.1.3"}},
        Case{"rcpt without TO:",
             ehlo_then(kMail + "RCPT <b@c.test>\r\n"),
             {kEhlo, "250 2.1.0", "501 5.5.4"}},
        Case{"rcpt postmaster",
             ehlo_then(kMail + "RCPT TO:<Postmaster>\r\n"),
             {kEhlo, "250 2.1.0", "250 2.1.5"}},
        Case{"unknown mail parameter",
             ehlo_then("MAIL FROM:<a@b.test> FOO=1\r\n"),
             {kEhlo, "555 5.5.4"}},
        Case{"rcpt parameter",
             ehlo_then(kMail + "RCPT TO:<b@c.test> NOTIFY=NEVER\r\n"),
             {kEhlo, "250 2.1.0", "555 5.5.4"}},
        Case{"bad SIZE value", ehlo_then("MAIL FROM:<a@b.test> SIZE=x1\r\n"), {kEhlo, "501 5.5.4"}},
        Case{"SIZE within the limit",
             ehlo_then("MAIL FROM:<a@b.test> SIZE=1000\r\n"),
             {kEhlo, "250 2.1.0"}},
        Case{"SIZE over the limit",
             ehlo_then("MAIL FROM:<a@b.test> SIZE=99999999999\r\n"),
             {kEhlo, "552 5.3.4"}},
        Case{"BODY 8BITMIME and 7BIT",
             ehlo_then("MAIL FROM:<a@b.test> BODY=8BITMIME\r\nRSET\r\n"
                       "MAIL FROM:<a@b.test> body=7bit\r\n"),
             {kEhlo, "250 2.1.0", "250 2.0.0", "250 2.1.0"}},
        Case{"BODY BINARYMIME",
             ehlo_then("MAIL FROM:<a@b.test> BODY=BINARYMIME\r\n"),
             {kEhlo, "501 5.5.4"}},
        Case{"SMTPUTF8 with a value",
             ehlo_then("MAIL FROM:<a@b.test> SMTPUTF8=1\r\n"),
             {kEhlo, "501 5.5.4"}},
        Case{"UTF-8 sender without SMTPUTF8",
             ehlo_then("MAIL FROM:<j\xc3\xb6rg@b.test>\r\n"),
             {kEhlo, "553 5.6.7"}},
        Case{"UTF-8 sender with SMTPUTF8",
             ehlo_then("MAIL FROM:<j\xc3\xb6rg@b.test> SMTPUTF8\r\n"),
             {kEhlo, "250 2.1.0"}},
        Case{"UTF-8 recipient without SMTPUTF8",
             ehlo_then(kMail + "RCPT TO:<b@\xc3\xa9t\xc3\xa9.test>\r\n"),
             {kEhlo, "250 2.1.0", "553 5.6.7"}},
        Case{"UTF-8 recipient with SMTPUTF8",
             ehlo_then("MAIL FROM:<a@b.test> SMTPUTF8\r\nRCPT TO:<b@\xc3\xa9t\xc3\xa9.test>\r\n"),
             {kEhlo, "250 2.1.0", "250 2.1.5"}},
        Case{"malformed UTF-8 even with SMTPUTF8",
             ehlo_then("MAIL FROM:<j\xc3@b.test> SMTPUTF8\r\n"),
             {kEhlo, "501 5.1.7"}},
        Case{"starttls not offered", "STARTTLS\r\n", {"502 5.5.1"}},
        Case{"bdat without mail", ehlo_then("BDAT 3\r\nabc"), {kEhlo, "503 5.5.1"}},
        Case{"bdat bad syntax", ehlo_then("BDAT x\r\n"), {kEhlo, "501 5.5.4"}},
        Case{"quit with argument", "QUIT now\r\n", {"501 5.5.4"}}));

TEST(ServerSession, GreetingAndEhloExtensions) {
  smtp::ServerConfig config;
  config.hostname = "mx.example.test";
  config.max_message_size = 12345;
  config.tls_available = true;
  const auto out = run("EHLO c\r\n", config);
  EXPECT_EQ(out.greeting, "220 mx.example.test ESMTP mxkit");
  ASSERT_EQ(out.replies.size(), 1u);
  const std::vector<std::string> lines = {
      "mx.example.test",     "PIPELINING", "SIZE 12345", "8BITMIME",
      "ENHANCEDSTATUSCODES", "STARTTLS",   "CHUNKING",   "SMTPUTF8"};
  EXPECT_EQ(out.replies[0].lines, lines);

  config.tls_active = true;
  config.chunking = false;
  const auto tls = run("EHLO c\r\n", config);
  ASSERT_EQ(tls.replies.size(), 1u);
  const auto& l = tls.replies[0].lines;
  EXPECT_EQ(std::count(l.begin(), l.end(), "STARTTLS"), 0);
  EXPECT_EQ(std::count(l.begin(), l.end(), "CHUNKING"), 0);
  EXPECT_EQ(run("EHLO c\r\nSTARTTLS\r\n", config).codes,
            (std::vector<std::string>{"250", "554 5.5.1"}));
}

TEST(ServerSession, QuitCloses) {
  smtp::testing::Driver d;
  d.send("QUIT\r\nNOOP\r\n");
  EXPECT_EQ(d.out.codes, (std::vector<std::string>{"221 2.0.0"}));
  EXPECT_TRUE(d.out.closed);
  EXPECT_TRUE(d.session.finished());
  d.send("NOOP\r\n");  // ignored after the close
  EXPECT_EQ(d.out.codes.size(), 1u);
}

TEST(ServerSession, TooManyErrorsCloses) {
  smtp::ServerConfig config;
  config.max_errors = 3;
  const auto out = run("X\r\nX\r\nX\r\nX\r\nNOOP\r\n", config);
  EXPECT_EQ(out.codes,
            (std::vector<std::string>{"500 5.5.2", "500 5.5.2", "500 5.5.2", "421 4.7.0"}));
  EXPECT_TRUE(out.closed);
}

TEST(ServerSession, LongCommandLine) {
  smtp::ServerConfig config;
  config.max_line_length = 100;
  smtp::testing::Driver d(config);
  d.send("NOOP " + std::string(93, 'x') + "\r\n");  // exactly 100 with CRLF
  d.send("NOOP " + std::string(94, 'x') + "\r\n");  // 101
  d.send("NOOP " + std::string(500, 'y'));          // arrives in pieces
  d.send(std::string(500, 'y'));
  d.send("\r\nNOOP\r\n");
  EXPECT_EQ(d.out.codes,
            (std::vector<std::string>{"250 2.0.0", "500 5.5.2", "500 5.5.2", "250 2.0.0"}));
}

TEST(ServerSession, TooManyRecipients) {
  smtp::ServerConfig config;
  config.max_recipients = 2;
  const auto out = run(ehlo_then(kMail + kRcpt + kRcpt + kRcpt + "DATA\r\n"), config);
  EXPECT_EQ(out.codes, (std::vector<std::string>{kEhlo, "250 2.1.0", "250 2.1.5", "250 2.1.5",
                                                 "452 4.5.3", "354"}));
  EXPECT_EQ(out.recipients.size(), 2u);
}

TEST(ServerSession, RefusedDecisionsAreSentAsGiven) {
  auto policy = [](const smtp::Event& e) {
    if (e.kind == smtp::Event::Kind::Recipient && e.recipient.mailbox.local == "nobody") {
      return smtp::Verdict::refuse(550, "5.1.1", "no such user");
    }
    if (e.kind == smtp::Event::Kind::Sender && e.envelope.sender.mailbox.domain == "nullmx.test") {
      return smtp::Verdict::refuse(550, "5.7.27", "sender domain does not accept mail");
    }
    return smtp::testing::accept_all(e);
  };
  const auto out = run(ehlo_then("MAIL FROM:<x@nullmx.test>\r\nRCPT TO:<b@c.test>\r\n" + kMail +
                                 "RCPT TO:<nobody@c.test>\r\nDATA\r\n"),
                       {}, policy);
  EXPECT_EQ(out.codes, (std::vector<std::string>{kEhlo, "550 5.7.27", "503 5.5.1", "250 2.1.0",
                                                 "550 5.1.1", "554 5.5.1"}));
  EXPECT_EQ(out.replies[4].lines.front(), "no such user");
}

TEST(ServerSession, TimeoutAndRefusedConnection) {
  smtp::testing::Driver d;
  d.session.timed_out();
  d.drain();
  EXPECT_EQ(d.out.codes, (std::vector<std::string>{"421 4.4.2"}));
  EXPECT_TRUE(d.out.closed);

  smtp::ServerSession s{smtp::ServerConfig{}};
  s.refuse_connection("Error: too many connections");
  auto e = s.next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, smtp::Event::Kind::Write);
  EXPECT_EQ(e->bytes, "421 4.7.0 localhost Error: too many connections\r\n");
  e = s.next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, smtp::Event::Kind::Close);
}

TEST(ServerSession, EnvelopeInEvents) {
  smtp::testing::Driver d;
  d.send(
      "EHLO client.test\r\nMAIL FROM:<a@b.test> SIZE=10 BODY=8BITMIME\r\n"
      "RCPT TO:<c@d.test>\r\nRCPT TO:<e@f.test>\r\nDATA\r\nhi\r\n.\r\n");
  ASSERT_EQ(d.out.messages.size(), 1u);
  const auto& env = d.out.messages[0].envelope;
  EXPECT_EQ(env.helo, "client.test");
  EXPECT_TRUE(env.esmtp);
  EXPECT_EQ(env.sender.text(), "a@b.test");
  EXPECT_EQ(env.declared_size, 10u);
  EXPECT_TRUE(env.body_8bit);
  ASSERT_EQ(env.recipients.size(), 2u);
  EXPECT_EQ(env.recipients[1].text(), "e@f.test");
  EXPECT_EQ(d.out.messages[0].content, "hi\r\n");
}

}  // namespace

namespace {

TEST(ServerSession, ErrorTextsAreSafeAscii) {
  // The reason in a 501 quotes the client's text with control and non-ASCII octets escaped.
  const auto out = run(ehlo_then("MAIL FROM:<a\x01\xc3\xa9@b.test>\r\n"));
  ASSERT_EQ(out.codes, (std::vector<std::string>{kEhlo, "501 5.1.7"}));
  const std::string& text = out.replies[1].lines.front();
  EXPECT_NE(text.find("\\x01\\xc3\\xa9"), std::string::npos) << text;
}

TEST(ServerSession, HeloIsNotEsmtpAndClientCloseAbandons) {
  smtp::testing::Driver d;
  d.defer(true);
  d.send("HELO old.client\r\nMAIL FROM:<a@b.test>\r\n");
  EXPECT_TRUE(d.session.awaiting_decision());
  d.session.closed();
  EXPECT_FALSE(d.session.awaiting_decision());
  EXPECT_TRUE(d.session.finished());
  EXPECT_FALSE(d.session.next_event());
  d.send("RCPT TO:<c@d.test>\r\n");
  EXPECT_TRUE(d.out.recipients.empty());
  // The HELO reply was held with the pending MAIL's (one write per group) and went with it.
  EXPECT_TRUE(d.out.codes.empty());
}

TEST(ServerSession, RefusedBdatChunksCountAsErrors) {
  smtp::ServerConfig config;
  config.max_errors = 2;
  const auto out = run("EHLO c\r\nBDAT 1\r\nxBDAT 1\r\nxBDAT 1\r\nxNOOP\r\n", config);
  EXPECT_EQ(out.codes, (std::vector<std::string>{kEhlo, "503 5.5.1", "503 5.5.1", "421 4.7.0"}));
  EXPECT_TRUE(out.closed);
}

}  // namespace
