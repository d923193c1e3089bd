// Path and mailbox parsing (RFC 5321 §4.1.2, §4.5.3.1; RFC 6531).
#include <gtest/gtest.h>

#include "smtp/address.hpp"

namespace smtp = mxkit::smtp;

namespace {

struct PathCase {
  std::string input;
  smtp::ParseOptions options;
  // "local@domain" (or "<>" for null, "Postmaster" for the special path), then the
  // parameters as " KEY=VALUE"; or "error: " and the start of the message.
  std::string expected;
};

std::ostream& operator<<(std::ostream& os, const PathCase& c) { return os << c.input; }

std::string describe(const smtp::PathArgument& a) {
  std::string out = a.path.null ? "<>" : a.path.mailbox.text();
  if (!a.path.null && a.path.mailbox.domain.empty()) out = a.path.mailbox.local;
  for (const auto& [k, v] : a.parameters) out += " " + k + (v.empty() ? "" : "=" + v);
  return out;
}

class PathTable : public ::testing::TestWithParam<PathCase> {};

TEST_P(PathTable, Parses) {
  const auto& c = GetParam();
  const auto r = smtp::parse_path_argument(c.input, c.options);
  const std::string got = r ? describe(*r) : "error: " + r.error().message;
  if (c.expected.rfind("error: ", 0) == 0) {
    EXPECT_EQ(got.substr(0, c.expected.size()), c.expected) << c.input;
  } else {
    EXPECT_EQ(got, c.expected) << c.input;
  }
}

constexpr smtp::ParseOptions kMail{.allow_null = true};
constexpr smtp::ParseOptions kRcpt{.allow_postmaster = true};
constexpr smtp::ParseOptions kUtf8{.allow_utf8 = true};
const std::string k64(64, 'a');

INSTANTIATE_TEST_SUITE_P(
    Paths, PathTable,
    ::testing::Values(
        PathCase{"<user@example.test>", {}, "user@example.test"},
        PathCase{"  <user@example.test>", {}, "user@example.test"},
        PathCase{"<User.Name+tag@Example.TEST>", {}, "User.Name+tag@Example.TEST"},
        PathCase{"<!#$%&'*+-/=?^_`{|}~@x.test>", {}, "!#$%&'*+-/=?^_`{|}~@x.test"},
        PathCase{"<>", kMail, "<>"}, PathCase{"<>", kRcpt, "error: empty path"},
        PathCase{"<> SIZE=10 body=8BITMIME SMTPUTF8", kMail, "<> SIZE=10 BODY=8BITMIME SMTPUTF8"},
        PathCase{"<a@b.test>  SIZE=10  ", {}, "a@b.test SIZE=10"},
        PathCase{"<a@b.test> ENVID=a+2Bb", {}, "a@b.test ENVID=a+2Bb"},
        PathCase{"<Postmaster>", kRcpt, "Postmaster"},
        PathCase{"<POSTMASTER>", kRcpt, "POSTMASTER"},
        PathCase{"<Postmaster>", kMail, "error: missing '@'"},
        PathCase{"<postmaster@x.test>", kRcpt, "postmaster@x.test"},
        // Quoted local parts (RFC 5321 §4.1.2 Quoted-string).
        PathCase{"<\"john doe\"@x.test>", {}, "\"john doe\"@x.test"},
        PathCase{"<\"a\\\"b\"@x.test>", {}, "\"a\\\"b\"@x.test"},
        PathCase{"<\"a>b@c\"@x.test>", {}, "\"a>b@c\"@x.test"},
        PathCase{"<\"\"@x.test>", {}, "\"\"@x.test"},
        PathCase{"<\"a\"b@x.test>", {}, "error: missing '@' after quoted"},
        PathCase{"<\"abc@x.test>", {}, "error: unterminated quoted"},
        PathCase{"<\"a\x01\"@x.test>", {}, "error: control character"},
        // Source routes: accepted and dropped (RFC 5321 Appendix C).
        PathCase{"<@a.test,@b.test:user@c.test>", {}, "user@c.test"},
        PathCase{"<@a.test:user@c.test>", {}, "user@c.test"},
        PathCase{"<@a..test:user@c.test>", {}, "error: bad source route"},
        PathCase{"<@a.test user@c.test>", {}, "error: source route without ':'"},
        // Address literals (RFC 5321 §4.1.3).
        PathCase{"<u@[192.0.2.1]>", {}, "u@[192.0.2.1]"},
        PathCase{"<u@[IPv6:2001:db8::1]>", {}, "u@[IPv6:2001:db8::1]"},
        PathCase{"<u@[192.0.2.256]>", {}, "error: bad address literal"},
        PathCase{"<u@[1.2.3]>", {}, "error: bad address literal"},
        PathCase{"<u@[IPv6:2001:db8::g]>", {}, "error: bad IPv6"},
        PathCase{std::string("<u@[IPv6:2001:db8::1\0x]>", 24), {}, "error: bad IPv6"},
        PathCase{"<u@[IPv6:::ffff:192.0.2.1]>", {}, "u@[IPv6:::ffff:192.0.2.1]"},
        PathCase{"<u@[192.0.2.1>", {}, "error: unterminated address literal"},
        // Domains.
        PathCase{"<u@a-b.c1.test>", {}, "u@a-b.c1.test"},
        PathCase{"<u@localhost>", {}, "u@localhost"},
        PathCase{"<u@-a.test>", {}, "error: bad domain"},
        PathCase{"<u@a-.test>", {}, "error: bad domain"},
        PathCase{"<u@a..test>", {}, "error: bad domain \"a..test\" (empty label)"},
        PathCase{"<u@a.test.>", {}, "error: bad domain"},
        PathCase{"<u@a_b.test>", {}, "error: bad domain"},
        PathCase{"<u@>", {}, "error: empty domain"},
        // Local parts.
        PathCase{"<.u@x.test>", {}, "error: bad local part"},
        PathCase{"<u.@x.test>", {}, "error: bad local part"},
        PathCase{"<a..b@x.test>", {}, "error: bad local part"},
        PathCase{"<a b@x.test>", {}, "error: bad character"},
        PathCase{"<@x.test>", {}, "error: source route without ':'"},
        PathCase{"<a@b@x.test>", {}, "error: bad character"},
        PathCase{"<user>", {}, "error: missing '@'"},
        // Limits (RFC 5321 §4.5.3.1).
        PathCase{"<" + k64 + "@x.test>", {}, k64 + "@x.test"},
        PathCase{"<" + k64 + "a@x.test>", {}, "error: local part longer than 64"},
        PathCase{"<u@" + std::string(64, 'b') + ".test>", {}, "error: bad domain"},
        PathCase{"<u@" + std::string(260, 'b') + ">", {}, "error: path longer than 256"},
        // UTF-8 (RFC 6531).
        PathCase{"<j\xc3\xb6rg@b\xc3\xbc"
                 "cher.test>",
                 kUtf8,
                 "j\xc3\xb6rg@b\xc3\xbc"
                 "cher.test"},
        PathCase{"<j\xc3\xb6rg@x.test>", {}, "error: non-ASCII local part"},
        PathCase{"<u@b\xc3\xbc"
                 "cher.test>",
                 {},
                 "error: non-ASCII domain"},
        PathCase{"<\"j\xc3\xb6 rg\"@x.test>", kUtf8, "\"j\xc3\xb6 rg\"@x.test"},
        PathCase{"<j\xc3@x.test>", kUtf8, "error: malformed UTF-8"},
        PathCase{"<j\xed\xa0\x80@x.test>", kUtf8, "error: malformed UTF-8"},
        // Garbage.
        PathCase{"", {}, "error: missing address"},
        PathCase{"user@x.test", {}, "error: missing '<'"},
        PathCase{"<user@x.test", {}, "error: missing '>'"},
        PathCase{"<user@x.test>SIZE=1", {}, "error: no space"},
        PathCase{"<a@b.test> =1", {}, "error: bad parameter"},
        PathCase{"<a@b.test> SIZE=", {}, "error: empty value"},
        PathCase{"<a@b.test> K_Y=1", {}, "error: bad parameter"},
        PathCase{"<a@b.test> K=\x01", {}, "error: bad value"},
        PathCase{"<a@b.test> K=a=b", {}, "error: bad value"}));

TEST(Mailbox, ParseAndHelpers) {
  auto m = smtp::parse_mailbox("John.Doe@Example.TEST");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->local, "John.Doe");
  EXPECT_EQ(m->domain_lower(), "example.test");
  EXPECT_FALSE(m->is_utf8());
  EXPECT_TRUE(smtp::parse_mailbox("j\xc3\xb6rg@x.test")->is_utf8());
  EXPECT_FALSE(smtp::parse_mailbox("j\xc3\xb6rg@x.test", false));
  EXPECT_FALSE(smtp::parse_mailbox("<a@b.test>"));
  EXPECT_FALSE(smtp::parse_mailbox(""));
  EXPECT_EQ(smtp::parse_mailbox("nobody").error().message, "missing '@' in \"nobody\"");
}

}  // namespace
