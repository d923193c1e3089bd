// ServerSession message content: DATA (dot-stuffing, smuggling), BDAT, pipelining, STARTTLS.
#include <gtest/gtest.h>

#include "smtp/server_session.hpp"
#include "smtp_session_driver.hpp"

namespace smtp = mxkit::smtp;
using smtp::testing::Driver;
using smtp::testing::kEhlo;
using smtp::testing::run;
using Codes = std::vector<std::string>;

namespace {

const std::string kEnvelope =
    "EHLO client.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n";
const Codes kEnvelopeCodes = {kEhlo, "250 2.1.0", "250 2.1.5", "354"};

Codes with(Codes more) {
  Codes all = kEnvelopeCodes;
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

TEST(Data, DotStuffingUndone) {
  const auto out = run(kEnvelope + "Subject: x\r\n\r\n..leading dot\r\n...\r\n.\r\n");
  EXPECT_EQ(out.codes, with({"250 2.0.0"}));
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].content, "Subject: x\r\n\r\n.leading dot\r\n..\r\n");
}

TEST(Data, ContentKeptExactly) {
  const std::string body = "A: b\r\n\r\n\t tabs and  spaces \r\n8bit \xe9\xff\x01\r\n\r\n\r\n";
  const auto out = run(kEnvelope + body + ".\r\n");
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].content, body);
}

TEST(Data, EmptyMessage) {
  const auto out = run(kEnvelope + ".\r\n");
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].content, "");
}

TEST(Data, EveryByteSplit) {
  // The end sequence and the stuffing work whatever the receive() boundaries.
  const std::string input = kEnvelope + "x\r\n..y\r\n.\r\nNOOP\r\n";
  Driver d;
  for (char c : input) d.send(std::string_view(&c, 1));
  EXPECT_EQ(d.out.codes, with({"250 2.0.0", "250 2.0.0"}));
  ASSERT_EQ(d.out.messages.size(), 1u);
  EXPECT_EQ(d.out.messages[0].content, "x\r\n.y\r\n");
}

TEST(Data, TransactionEndsAfterMessage) {
  const auto out = run(kEnvelope + "x\r\n.\r\nRCPT TO:<c@d.test>\r\nDATA\r\n");
  EXPECT_EQ(out.codes, with({"250 2.0.0", "503 5.5.1", "503 5.5.1"}));
}

TEST(Data, RefusedMessage) {
  auto policy = [](const smtp::Event& e) {
    if (e.kind == smtp::Event::Kind::Message) return smtp::Verdict::refuse(452, "4.3.1", "full");
    return smtp::testing::accept_all(e);
  };
  const auto out = run(kEnvelope + "x\r\n.\r\nMAIL FROM:<>\r\n", {}, policy);
  EXPECT_EQ(out.codes, with({"452 4.3.1", "250 2.1.0"}));
}

TEST(Data, MessageTooBig) {
  smtp::ServerConfig config;
  config.max_message_size = 100;
  // Read to the real end, then refused; the lines after it are commands again.
  const auto out =
      run(kEnvelope + std::string(50, 'a') + "\r\n" + std::string(60, 'b') + "\r\n.\r\nNOOP\r\n",
          config);
  EXPECT_EQ(out.codes, with({"552 5.3.4", "250 2.0.0"}));
  EXPECT_TRUE(out.messages.empty());
  // Exactly at the limit is fine.
  const auto fits = run(kEnvelope + std::string(98, 'a') + "\r\n.\r\n", config);
  EXPECT_EQ(fits.codes, with({"250 2.0.0"}));
}

TEST(Data, LongLineRefusedAfterTheEnd) {
  smtp::ServerConfig config;
  config.max_line_length = 50;
  const auto ok = run(kEnvelope + std::string(48, 'a') + "\r\n.\r\n", config);
  EXPECT_EQ(ok.codes, with({"250 2.0.0"}));
  const auto out = run(kEnvelope + std::string(49, 'a') + "\r\n.\r\nNOOP\r\n", config);
  EXPECT_EQ(out.codes, with({"500 5.5.2", "250 2.0.0"}));
  EXPECT_TRUE(out.messages.empty());
}

// SMTP smuggling: each of these must not end the data. What follows the fake end (a second
// MAIL/RCPT/DATA) must stay message content, and the message is refused as a whole (Reject)
// or kept whole with CRLF (Normalize).
struct Smuggle {
  const char* name;
  std::string ending;
  std::string normalized;  // the fake ending as stored under Normalize
};

std::ostream& operator<<(std::ostream& os, const Smuggle& s) { return os << s.name; }

class Smuggling : public ::testing::TestWithParam<Smuggle> {};

const std::string kSmuggled =
    "MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nevil\r\n";

TEST_P(Smuggling, RejectedWhole) {
  const auto& s = GetParam();
  const auto out = run(kEnvelope + "body" + s.ending + kSmuggled + ".\r\nNOOP\r\n");
  EXPECT_EQ(out.codes, with({"550 5.6.0", "250 2.0.0"})) << s.name;
  EXPECT_TRUE(out.messages.empty());
  EXPECT_EQ(out.senders.size(), 1u) << "a command inside the data was executed";
  EXPECT_EQ(out.recipients.size(), 1u);
}

TEST_P(Smuggling, NormalizedWhole) {
  const auto& s = GetParam();
  smtp::ServerConfig config;
  config.bare_line_ending = smtp::ServerConfig::BareLineEnding::Normalize;
  const auto out = run(kEnvelope + "body" + s.ending + kSmuggled + ".\r\nNOOP\r\n", config);
  EXPECT_EQ(out.codes, with({"250 2.0.0", "250 2.0.0"})) << s.name;
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].content, "body" + s.normalized + kSmuggled) << s.name;
  EXPECT_EQ(out.senders.size(), 1u);
}

TEST_P(Smuggling, SplitAtEveryByte) {
  const auto& s = GetParam();
  Driver d;
  const std::string input = kEnvelope + "body" + s.ending + kSmuggled + ".\r\n";
  for (char c : input) d.send(std::string_view(&c, 1));
  EXPECT_EQ(d.out.codes, with({"550 5.6.0"})) << s.name;
  EXPECT_TRUE(d.out.messages.empty());
  EXPECT_EQ(d.out.senders.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Endings, Smuggling,
                         ::testing::Values(Smuggle{"LF.LF", "\n.\n", "\r\n.\r\n"},
                                           Smuggle{"CR.CR", "\r.\r", "\r\n.\r\n"},
                                           Smuggle{"CRLF.LF", "\r\n.\n", "\r\n.\r\n"},
                                           Smuggle{"LF.CRLF", "\n.\r\n", "\r\n.\r\n"},
                                           Smuggle{"CR.CRLF", "\r.\r\n", "\r\n.\r\n"},
                                           Smuggle{"CRLF.CR", "\r\n.\r", "\r\n.\r\n"},
                                           Smuggle{"bare LF", "\n", "\r\n"},
                                           Smuggle{"bare CR", "\r", "\r\n"}));

TEST(Data, BareCrAtEndOfLine) {
  // "x\r\r\n" is a bare CR followed by a real CRLF.
  const auto out = run(kEnvelope + "x\r\r\n.\r\n");
  EXPECT_EQ(out.codes, with({"550 5.6.0"}));
}

// ---- Pipelining (RFC 2920) ----------------------------------------------------------------

TEST(Pipelining, WholeGroupInOneReceive) {
  Driver d;
  d.send("EHLO c\r\n");
  d.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<e@f.test>\r\nDATA\r\n");
  EXPECT_EQ(d.out.codes, Codes({kEhlo, "250 2.1.0", "250 2.1.5", "250 2.1.5", "354"}));
  // One Write for the whole group: the I/O layer writes it with one syscall.
  EXPECT_EQ(d.out.writes.back(),
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with "
            "<CR><LF>.<CR><LF>\r\n");
}

TEST(Pipelining, PendingDecisionBuffersTheRest) {
  Driver d;
  d.send("EHLO c\r\n");
  d.defer(true);
  d.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<x@d.test>\r\nDATA\r\n");
  EXPECT_TRUE(d.session.awaiting_decision());
  EXPECT_EQ(d.out.senders.size(), 1u);
  EXPECT_TRUE(d.out.recipients.empty());
  d.send("hello\r\n.\r\nQUIT\r\n");  // arrives while MAIL is still pending: only buffered
  EXPECT_EQ(d.out.codes, Codes({kEhlo}));
  d.decide(smtp::Verdict::accept("2.1.0", "Ok"));
  EXPECT_EQ(d.out.recipients, (std::vector<std::string>{"c@d.test"}));
  d.decide(smtp::Verdict::accept("2.1.5", "Ok"));
  d.decide(smtp::Verdict::refuse(550, "5.1.1", "unknown"));
  ASSERT_EQ(d.out.messages.size(), 1u);
  EXPECT_EQ(d.out.messages[0].content, "hello\r\n");
  EXPECT_EQ(d.out.messages[0].envelope.recipients.size(), 1u);
  d.decide(smtp::Verdict::accept("2.0.0", "queued as X"));
  EXPECT_EQ(d.out.codes,
            Codes({kEhlo, "250 2.1.0", "250 2.1.5", "550 5.1.1", "354", "250 2.0.0", "221 2.0.0"}));
  EXPECT_TRUE(d.out.closed);
}

TEST(Pipelining, RefusedCommandDoesNotStopTheGroup) {
  const auto out =
      run("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<bad@@x>\r\nRCPT TO:<ok@x.test>\r\n"
          "DATA\r\nm\r\n.\r\n");
  EXPECT_EQ(out.codes, Codes({kEhlo, "250 2.1.0", "501 5.1.3", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(out.messages.size(), 1u);
}

TEST(Pipelining, BufferedInputIsBounded) {
  Driver d;
  d.send("EHLO c\r\n");
  d.defer(true);
  d.send("MAIL FROM:<a@b.test>\r\n");
  const std::string noise(64 * 1024, 'x');
  for (int i = 0; i < 20 && !d.out.closed; ++i) d.send(noise);
  EXPECT_TRUE(d.out.closed);
  EXPECT_EQ(d.out.codes.back(), "421 4.7.0");
}

// ---- BDAT (RFC 3030) ----------------------------------------------------------------------

const std::string kBdatEnvelope =
    "EHLO client.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n";
const Codes kBdatCodes = {kEhlo, "250 2.1.0", "250 2.1.5"};

Codes bdat_with(Codes more) {
  Codes all = kBdatCodes;
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

TEST(Bdat, Chunks) {
  const auto out =
      run(kBdatEnvelope + "BDAT 6\r\nA: b\r\nBDAT 11 LAST\r\n\r\n.\r\nQUIT\r\nNOOP\r\n");
  EXPECT_EQ(out.codes, bdat_with({"250 2.0.0", "250 2.0.0", "250 2.0.0"}));
  ASSERT_EQ(out.messages.size(), 1u);
  // No dot-stuffing in chunks: ".\r\n" and "QUIT" are content.
  EXPECT_EQ(out.messages[0].content, "A: b\r\n\r\n.\r\nQUIT\r\n");
}

TEST(Bdat, ZeroLast) {
  const auto out = run(kBdatEnvelope + "BDAT 3\r\nx\r\nBDAT 0 LAST\r\n");
  EXPECT_EQ(out.codes, bdat_with({"250 2.0.0", "250 2.0.0"}));
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].content, "x\r\n");
}

TEST(Bdat, SplitAcrossReceives) {
  Driver d;
  d.send(kBdatEnvelope + "BDAT 10 LAST\r\n01234");
  EXPECT_TRUE(d.out.messages.empty());
  d.send("56789NOOP\r\n");
  ASSERT_EQ(d.out.messages.size(), 1u);
  EXPECT_EQ(d.out.messages[0].content, "0123456789");
  EXPECT_EQ(d.out.codes, bdat_with({"250 2.0.0", "250 2.0.0"}));
}

TEST(Bdat, RefusedChunkIsStillRead) {
  // Without a transaction the chunk is read and dropped: "RCPT..." inside it is not a command.
  const std::string chunk = "RCPT TO:<x@y.test>\r\n";
  const auto out = run("EHLO c\r\nBDAT " + std::to_string(chunk.size()) + "\r\n" + chunk +
                       "MAIL FROM:<a@b.test>\r\nBDAT 4 LAST\r\nabcd");
  EXPECT_EQ(out.codes, Codes({kEhlo, "503 5.5.1", "250 2.1.0", "554 5.5.1"}));
  EXPECT_TRUE(out.recipients.empty());
  EXPECT_TRUE(out.messages.empty());
}

TEST(Bdat, DataAfterBdatAndBdatDisabled) {
  EXPECT_EQ(run(kBdatEnvelope + "BDAT 2\r\nabDATA\r\n").codes,
            bdat_with({"250 2.0.0", "503 5.5.1"}));
  smtp::ServerConfig config;
  config.chunking = false;
  EXPECT_EQ(run(kBdatEnvelope + "BDAT 2 LAST\r\nabNOOP\r\n", config).codes,
            bdat_with({"502 5.5.1", "250 2.0.0"}));
}

TEST(Bdat, TooBig) {
  smtp::ServerConfig config;
  config.max_message_size = 10;
  const auto out = run(kBdatEnvelope + "BDAT 8\r\n12345678BDAT 8 LAST\r\n12345678NOOP\r\n", config);
  EXPECT_EQ(out.codes, bdat_with({"250 2.0.0", "552 5.3.4", "250 2.0.0"}));
  EXPECT_TRUE(out.messages.empty());
  const auto single = run(kBdatEnvelope + "BDAT 11\r\n12345678901BDAT 0 LAST\r\n", config);
  EXPECT_EQ(single.codes, bdat_with({"552 5.3.4", "503 5.5.1"}));
}

TEST(Bdat, BareLineEndingsInChunks) {
  EXPECT_EQ(run(kBdatEnvelope + "BDAT 5 LAST\r\na\nb\r\n").codes, bdat_with({"550 5.6.0"}));
  // A CR at the end of one chunk and LF at the start of the next are one CRLF.
  const auto out = run(kBdatEnvelope + "BDAT 2\r\na\rBDAT 1 LAST\r\n\n");
  EXPECT_EQ(out.codes, bdat_with({"250 2.0.0", "250 2.0.0"}));
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].content, "a\r\n");
  EXPECT_EQ(run(kBdatEnvelope + "BDAT 2 LAST\r\na\r").codes, bdat_with({"550 5.6.0"}));
}

// ---- STARTTLS (RFC 3207) ------------------------------------------------------------------

TEST(StartTls, InjectedCommandsAreDiscarded) {
  smtp::ServerConfig config;
  config.tls_available = true;
  Driver d(config);
  d.auto_tls(false);
  // CVE-2011-0411: commands pipelined behind STARTTLS in plaintext must not run after TLS.
  d.send("EHLO c\r\nMAIL FROM:<a@b.test>\r\nSTARTTLS\r\nMAIL FROM:<evil@x.test>\r\n");
  EXPECT_EQ(d.out.starttls, 1);
  EXPECT_TRUE(d.out.writes.back().ends_with("250 2.1.0 Ok\r\n220 2.0.0 Ready to start TLS\r\n"));
  d.send("RCPT TO:<evil@x.test>\r\n");  // still plaintext: dropped too
  d.session.tls_started("TLSv1.3");
  EXPECT_EQ(d.session.tls_version(), "TLSv1.3");
  d.send("MAIL FROM:<a@b.test>\r\nEHLO c\r\nRCPT TO:<x@y.test>\r\n");
  // After TLS: no EHLO yet, the earlier transaction is gone, STARTTLS no longer offered.
  EXPECT_EQ(d.out.codes, Codes({kEhlo, "250 2.1.0", "220 2.0.0", "503 5.5.1", kEhlo, "503 5.5.1"}));
  EXPECT_EQ(d.out.senders.size(), 1u);
  const auto& ehlo = d.out.replies[4].lines;
  EXPECT_EQ(std::count(ehlo.begin(), ehlo.end(), "STARTTLS"), 0);
  d.send("STARTTLS\r\n");
  EXPECT_EQ(d.out.codes.back(), "554 5.5.1");
}

}  // namespace

namespace {

TEST(Data, NormalizeKeepsEveryOctet) {
  smtp::ServerConfig config;
  config.bare_line_ending = smtp::ServerConfig::BareLineEnding::Normalize;
  const auto out = run(kEnvelope + "a\nb\rc\r\r\nd\r\n..e\r\n.\r\n", config);
  EXPECT_EQ(out.codes, with({"250 2.0.0"}));
  ASSERT_EQ(out.messages.size(), 1u);
  // Bare endings become CRLF; after one the line is not at its start, so nothing else changes.
  EXPECT_EQ(out.messages[0].content, "a\r\nb\r\nc\r\n\r\nd\r\n.e\r\n");
}

TEST(Data, AfterBareLfADotIsNotUnstuffed) {
  smtp::ServerConfig config;
  config.bare_line_ending = smtp::ServerConfig::BareLineEnding::Normalize;
  const auto out = run(kEnvelope + "a\n..b\r\n.\r\n", config);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].content, "a\r\n..b\r\n");
}

TEST(Bdat, LongLineInChunks) {
  smtp::ServerConfig config;
  config.max_line_length = 40;  // the commands fit
  const std::string line(38, 'x');
  EXPECT_EQ(run(kBdatEnvelope + "BDAT 40 LAST\r\n" + line + "\r\n", config).codes,
            bdat_with({"250 2.0.0"}));
  EXPECT_EQ(run(kBdatEnvelope + "BDAT 41 LAST\r\n" + line + "x\r\n", config).codes,
            bdat_with({"500 5.5.2"}));
}

}  // namespace
