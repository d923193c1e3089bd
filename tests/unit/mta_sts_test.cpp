// MTA-STS (RFC 8461) without sockets: the policy parser (§3.2), mx pattern matching (§4.1), the
// HTTP response reader and the fetch rules (§3.3), and the findings of check_mta_sts_policy.
#include "mailauth/mta_sts.hpp"

#include <gtest/gtest.h>

#include "checks/mta_sts_checks.hpp"

namespace mxkit {
namespace {

using mailauth::MtaStsMode;

TEST(MtaStsPolicy, GoodPoliciesTable) {
  struct Case {
    const char* text;
    MtaStsMode mode;
    std::uint32_t max_age;
    std::vector<std::string> mx;
  } cases[] = {
      // RFC 8461 §3.2's example, CRLF lines.
      {"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
       "mx: backupmx.example.com\r\nmax_age: 604800\r\n",
       MtaStsMode::Enforce,
       604800,
       {"mail.example.com", "*.example.net", "backupmx.example.com"}},
      // LF lines, no final line end, fields in another order, WSP around values, upper-case mx.
      {"mode:testing\nmax_age:   31557600\t\nmx: MX.Example.COM\nversion: STSv1",
       MtaStsMode::Testing,
       31557600,
       {"mx.example.com"}},
      // mode none needs no mx; unknown fields are ignored; repeated fields: the first counts.
      {"version: STSv1\nmode: none\nmax_age: 0\nfoo_bar-1.x: anything at all\nmode: enforce\n",
       MtaStsMode::None,
       0,
       {}},
  };
  for (const auto& c : cases) {
    auto p = mailauth::parse_mta_sts_policy(c.text);
    ASSERT_TRUE(p) << c.text << ": " << p.error().message;
    EXPECT_EQ(p->mode, c.mode) << c.text;
    EXPECT_EQ(p->max_age, c.max_age) << c.text;
    EXPECT_EQ(p->mx, c.mx) << c.text;
  }
}

TEST(MtaStsPolicy, BadPoliciesNameTheLine) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n", "line 1: version \"STSv2\""},
      {"version: STSv1\nmode: Enforce\nmx: a.test\nmax_age: 1\n", "line 2: mode \"Enforce\""},
      {"version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n", "line 2: mode \"strict\""},
      {"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n", "line 4: max_age"},
      {"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n", "line 4: max_age"},
      {"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 12345678901\n", "line 4: max_age"},
      {"version: STSv1\nmode: enforce\nmx: a..test\nmax_age: 1\n", "line 3: mx \"a..test\""},
      {"version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n", "line 3: mx"},
      {"version: STSv1\nmode: enforce\nmx: mail.test.\nmax_age: 1\n", "line 3: mx"},
      {"version: STSv1\nmode: enforce\nmx: -a.test\nmax_age: 1\n", "line 3: mx"},
      {"version: STSv1\nmode enforce\n", "line 2: not a \"key: value\" field"},
      {" version: STSv1\n", "line 1: \" version\" is not a field name"},
      {"mode: enforce\nmx: a.test\nmax_age: 1\n", "no version field"},
      {"version: STSv1\nmx: a.test\nmax_age: 1\n", "no mode field"},
      {"version: STSv1\nmode: enforce\nmx: a.test\n", "no max_age field"},
      {"version: STSv1\nmode: testing\nmax_age: 86400\n", "mode testing without any mx field"},
      {"", "no version field"},
      {"<html><body>hello</body></html>", "line 1: not a \"key: value\" field"},
  };
  for (const auto& c : cases) {
    auto p = mailauth::parse_mta_sts_policy(c.text);
    ASSERT_FALSE(p) << c.text;
    EXPECT_NE(p.error().message.find(c.error), std::string::npos)
        << c.text << " → " << p.error().message;
  }
}

TEST(MtaStsPolicy, ShortMaxAgeIsAWarning) {
  auto p =
      mailauth::parse_mta_sts_policy("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 600\n");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->warnings.size(), 1u);
  EXPECT_NE(p->warnings[0].find("max_age 600"), std::string::npos);
}

TEST(MtaStsPolicy, MxPatternMatching) {
  struct Case {
    const char* pattern;
    const char* host;
    bool matches;
  } cases[] = {
      {"mail.example.com", "mail.example.com.", true},
      {"mail.example.com", "MAIL.Example.com", true},
      {"mail.example.com", "mail2.example.com", false},
      {"*.example.com", "mail.example.com", true},
      {"*.example.com", "mail.example.com.", true},
      {"*.example.com", "example.com", false},          // §4.1
      {"*.example.com", "foo.bar.example.com", false},  // §4.1: one label only
      {"*.example.com", "mailexample.com", false},
      {"*.example.com", ".example.com", false},
      {"", "", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(mailauth::mta_sts_mx_matches(c.pattern, c.host), c.matches)
        << c.pattern << " vs " << c.host;
}

TEST(HttpResponse, ReadsLengthChunkedAndClose) {
  auto r = mailauth::parse_http_response(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->reason, "OK");
  EXPECT_EQ(r->content_type, "text/plain");
  EXPECT_EQ(r->body, "hello");
  auto chunked = mailauth::parse_http_response(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: "
      "chunked\r\n\r\n4;x=y\r\nvers\r\n3\r\nion\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked) << chunked.error().message;
  EXPECT_EQ(chunked->body, "version");
  auto closed = mailauth::parse_http_response("HTTP/1.0 404 Not Found\nServer: x\n\ngone");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, 404u);
  EXPECT_EQ(closed->body, "gone");
}

TEST(HttpResponse, BadResponsesTable) {
  struct Case {
    std::string bytes;
    const char* error;
  } cases[] = {
      {"", "no complete status line"},
      {"HTTP/2 200 OK\r\n\r\n", "not an HTTP/1.x status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "not an HTTP/1.x status line"},
      {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", "ends inside its header"},
      {"HTTP/1.1 200 OK\r\n folded\r\n\r\n", "folded"},
      {"HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", "no field name"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "ends after 5 of its 10"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not hexadecimal"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", "cut short"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", "before its last"},
      {"HTTP/1.1 200 OK\r\n\r\n" + std::string(mailauth::kMtaStsMaxBody + 1, 'a'), "larger than"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", "larger than"},
  };
  for (const auto& c : cases) {
    auto r = mailauth::parse_http_response(c.bytes);
    ASSERT_FALSE(r) << c.bytes;
    EXPECT_NE(r.error().message.find(c.error), std::string::npos) << r.error().message;
  }
}

TEST(HttpResponse, PolicyBodyRules) {
  mailauth::HttpResponse r;
  r.status = 200;
  r.content_type = "Text/Plain; charset=utf-8";
  r.body = "x";
  EXPECT_EQ(mailauth::policy_body(r).value(), "x");
  r.content_type = "text/html";
  EXPECT_NE(mailauth::policy_body(r).error().message.find("text/html"), std::string::npos);
  r.content_type = "";
  EXPECT_FALSE(mailauth::policy_body(r));
  r.status = 302;
  r.location = "https://x.test/";
  EXPECT_NE(mailauth::policy_body(r).error().message.find("redirects to \"https://x.test/\""),
            std::string::npos);
  r.status = 500;
  EXPECT_NE(mailauth::policy_body(r).error().message.find("HTTP 500"), std::string::npos);
}

checks::MtaStsFetch fetched(std::string body) {
  checks::MtaStsFetch f;
  f.attempted = true;
  f.url = "https://mta-sts.a.test/.well-known/mta-sts.txt";
  f.host = "mta-sts.a.test";
  f.status = 200;
  f.content_type = "text/plain";
  f.body = std::move(body);
  return f;
}

using Found = std::vector<std::pair<std::string, checks::Severity>>;

Found found(const std::vector<checks::Finding>& v) {
  Found out;
  for (const auto& f : v) out.emplace_back(f.code + " " + f.subject, f.severity);
  return out;
}

TEST(MtaStsChecks, FindingsFromFacts) {
  using checks::Severity;
  const std::vector<std::string> mx = {"mx1.a.test.", "mx.other.test."};
  const std::string policy = "version: STSv1\nmode: enforce\nmx: *.a.test\nmax_age: 604800\n";
  EXPECT_TRUE(checks::check_mta_sts_policy({}, mx).empty());  // no TXT: nothing fetched
  EXPECT_EQ(found(checks::check_mta_sts_policy(fetched(policy), {"mx1.a.test."})), Found{});
  EXPECT_EQ(found(checks::check_mta_sts_policy(fetched(policy), mx)),
            (Found{{"mta-sts-mx-mismatch mx.other.test.", Severity::error}}));
  auto testing = fetched("version: STSv1\nmode: testing\nmx: *.a.test\nmax_age: 60\n");
  EXPECT_EQ(found(checks::check_mta_sts_policy(testing, mx)),
            (Found{{"mta-sts-invalid " + testing.url, Severity::notice},
                   {"mta-sts-mx-mismatch mx.other.test.", Severity::warning}}));
  auto none = fetched("version: STSv1\nmode: none\nmax_age: 86400\n");
  EXPECT_TRUE(checks::check_mta_sts_policy(none, mx).empty());
  auto unreachable = fetched(policy);
  unreachable.error = "connect: Connection refused";
  auto bad_cert = fetched(policy);
  bad_cert.certificate_error = "hostname mismatch";
  auto not_found = fetched(policy);
  not_found.status = 404;
  auto unparsable = fetched("version: STSv1\nmode: always\n");
  for (const auto* f : {&unreachable, &bad_cert, &not_found, &unparsable}) {
    auto v = checks::check_mta_sts_policy(*f, mx);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].code, "mta-sts-invalid");
    EXPECT_EQ(v[0].severity, Severity::warning);
  }
}

}  // namespace
}  // namespace mxkit
