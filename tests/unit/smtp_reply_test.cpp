// Reply wire form and the ReplyReader (RFC 5321 §4.2, RFC 2034/3463 enhanced codes).
#include <gtest/gtest.h>

#include "smtp/reply.hpp"

namespace smtp = mxkit::smtp;

namespace {

TEST(Reply, WireAndSummary) {
  auto r = smtp::make_reply(250, "2.1.5", "Ok");
  EXPECT_EQ(r.wire(), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(r.summary(), "250 2.1.5 Ok");
  r = smtp::make_reply(550, "5.1.1", "no such user\nsecond line");
  EXPECT_EQ(r.wire(), "550-5.1.1 no such user\r\n550 5.1.1 second line\r\n");
  EXPECT_EQ(r.summary(), "550 5.1.1 no such user second line");
  EXPECT_TRUE(r.permanent());
  // A CR or LF inside a text cannot start a second reply on the wire.
  r = smtp::make_reply(250, "", "a\r\n250 injected");
  EXPECT_EQ(r.wire(), "250-a\r\n250 250 injected\r\n");
  EXPECT_EQ(smtp::make_reply(354, "", "go").wire(), "354 go\r\n");
  EXPECT_TRUE(smtp::make_reply(421, "4.7.0", "x").transient());
}

TEST(Reply, EnhancedCodeSyntax) {
  for (const char* good : {"2.0.0", "5.1.10", "4.999.999", "5.7.27"}) {
    EXPECT_TRUE(smtp::is_enhanced_code(good)) << good;
  }
  for (const char* bad :
       {"", "2.0", "3.0.0", "2.00.0", "2.0.1000", "2..0", "2.0.0.", "x.0.0", "2.0.0 ", "25.0.0"}) {
    EXPECT_FALSE(smtp::is_enhanced_code(bad)) << bad;
  }
}

struct ReadCase {
  const char* name;
  std::string input;
  std::vector<std::string> expected;  // summary of each reply, or "error: ..." prefix
};

std::ostream& operator<<(std::ostream& os, const ReadCase& c) { return os << c.name; }

class ReaderTable : public ::testing::TestWithParam<ReadCase> {};

std::vector<std::string> read_all(std::string_view input, std::size_t step) {
  smtp::ReplyReader reader;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < input.size(); i += step) {
    const auto piece = input.substr(i, step);
    reader.feed(std::span<const char>(piece.data(), piece.size()));
    while (auto r = reader.next()) {
      if (*r) {
        out.push_back((*r)->summary() + "|" + (*r)->enhanced + "|" +
                      std::to_string((*r)->lines.size()));
      } else {
        out.push_back("error: " + r->error().message);
      }
    }
  }
  return out;
}

TEST_P(ReaderTable, Reads) {
  const auto& c = GetParam();
  auto matches = [&](const std::vector<std::string>& got) {
    if (got.size() != c.expected.size()) return false;
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (got[i].rfind(c.expected[i], 0) != 0) return false;
    }
    return true;
  };
  for (std::size_t step : {c.input.size() + 1, std::size_t{1}, std::size_t{7}}) {
    const auto got = read_all(c.input, step);
    EXPECT_TRUE(matches(got)) << c.name << " step " << step << ": "
                              << ::testing::PrintToString(got);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Replies, ReaderTable,
    ::testing::Values(
        ReadCase{"greeting", "220 mx.test ESMTP\r\n", {"220 mx.test ESMTP||1"}},
        ReadCase{"enhanced", "250 2.1.0 Ok\r\n", {"250 2.1.0 Ok|2.1.0|1"}},
        ReadCase{"multi-line ehlo",
                 "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 100\r\n",
                 {"250 mx.test PIPELINING SIZE 100||3"}},
        ReadCase{
            "multi-line enhanced", "550-5.1.1 a\r\n550 5.1.1 b\r\n", {"550 5.1.1 a b|5.1.1|2"}},
        ReadCase{"enhanced not on every line", "550-5.1.1 a\r\n550 b\r\n", {"550 5.1.1 a b||2"}},
        ReadCase{"enhanced class mismatch", "250 5.1.1 odd\r\n", {"250 5.1.1 odd||1"}},
        ReadCase{"bare LF tolerated",
                 "250 2.0.0 Ok\n221 2.0.0 Bye\n",
                 {"250 2.0.0 Ok|2.0.0", "221 2.0.0 Bye|2.0.0"}},
        ReadCase{"code only", "250\r\n", {"250||1"}},
        ReadCase{"two replies", "250 Ok\r\n354 go\r\n", {"250 Ok||1", "354 go||1"}},
        ReadCase{"missing code",
                 "hello\r\n250 Ok\r\n",
                 {"error: reply line without a 3-digit code", "250 Ok"}},
        ReadCase{"code 600", "600 x\r\n", {"error: reply line without"}},
        ReadCase{"no separator", "250Ok\r\n", {"error: reply line without"}},
        ReadCase{"mismatched codes",
                 "250-a\r\n550 b\r\n",
                 {"error: reply line with code 550 inside a reply with code 250"}},
        ReadCase{"too long",
                 std::string(5000, '2') + "\r\n250 Ok\r\n",
                 {"error: reply line longer than 4096 octets", "250 Ok"}},
        ReadCase{"incomplete", "250-a\r\n250 b", {}}));

}  // namespace
