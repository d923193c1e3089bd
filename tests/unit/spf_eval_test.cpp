// check_host() over DNS tables: the results, the limits with the include chain that broke them,
// explanations and the trace (the RFC 7208 suite in tests/conformance covers the rest).
#include <gtest/gtest.h>

#include "mailauth/spf.hpp"
#include "mailauth_dns_table.hpp"

namespace mxkit::mailauth {
namespace {

SpfQuery query(const char* ip, const char* sender) {
  SpfQuery q;
  q.ip = asio::ip::make_address(ip);
  q.sender = sender;
  q.helo = "client.example.net";
  return q;
}

bool traced(const SpfOutcome& o, std::string_view text) {
  for (const auto& t : o.trace)
    if (t.text.find(text) != std::string::npos) return true;
  return false;
}

TEST(SpfEval, PassThroughIncludeAndMx) {
  test::DnsTable dns;
  dns.add_txt("example.com", "v=spf1 mx include:_spf.provider.example -all");
  dns.add_mx("example.com", 10, "mx1.example.com");
  dns.add_address("mx1.example.com", "192.0.2.10");
  dns.add_txt("_spf.provider.example",
              std::vector<std::string>{"v=spf1 ip4:198.51.100.0/24", " ~all"});
  auto mx = check_host_blocking(dns, query("192.0.2.10", "user@example.com"));
  EXPECT_EQ(mx.result, SpfResult::Pass);
  EXPECT_EQ(mx.mechanism, "mx");
  EXPECT_EQ(mx.dns_lookups, 1u);
  auto inc = check_host_blocking(dns, query("198.51.100.7", "user@example.com"));
  EXPECT_EQ(inc.result, SpfResult::Pass);
  EXPECT_EQ(inc.mechanism, "include:_spf.provider.example");
  EXPECT_EQ(inc.dns_lookups, 2u);
  EXPECT_TRUE(traced(inc, "ip4:198.51.100.0/24 → match"));
  auto fail = check_host_blocking(dns, query("203.0.113.1", "user@example.com"));
  EXPECT_EQ(fail.result, SpfResult::Fail);
  EXPECT_EQ(fail.mechanism, "-all");
  EXPECT_FALSE(fail.explanation_from_record);
  EXPECT_NE(fail.explanation.find("203.0.113.1"), std::string::npos);
  EXPECT_TRUE(traced(
      fail, "include:_spf.provider.example → no match (_spf.provider.example gave softfail)"));
  EXPECT_TRUE(traced(fail, "MX example.com → answer (1 record)"));
}

TEST(SpfEval, LookupLimitNamesTheIncludeChain) {
  test::DnsTable dns;
  dns.add_txt("example.com", "v=spf1 include:a.example.com -all");
  dns.add_txt("a.example.com", "v=spf1 a a a include:b.example.com");
  dns.add_txt("b.example.com", "v=spf1 a a a a a a a -all");
  for (const char* n : {"a.example.com", "b.example.com"}) dns.add_address(n, "192.0.2.1");
  auto o = check_host_blocking(dns, query("203.0.113.1", "x@example.com"));
  EXPECT_EQ(o.result, SpfResult::PermError);
  EXPECT_TRUE(o.lookup_limit_exceeded);
  EXPECT_EQ(o.dns_lookups, 11u);
  EXPECT_EQ(o.chain, (std::vector<std::string>{"example.com", "a.example.com", "b.example.com"}));
  EXPECT_NE(o.reason.find("record of b.example.com"), std::string::npos) << o.reason;
}

TEST(SpfEval, VoidLookupLimit) {
  test::DnsTable dns;
  dns.add_txt("example.com",
              "v=spf1 a:gone1.example.com mx:gone2.example.com exists:gone3.example.com -all");
  auto o = check_host_blocking(dns, query("192.0.2.1", "x@example.com"));
  EXPECT_EQ(o.result, SpfResult::PermError);
  EXPECT_TRUE(o.void_limit_exceeded);
  EXPECT_EQ(o.void_lookups, 3u);
  SpfLimits generous;
  generous.void_lookups = 3;
  EXPECT_EQ(check_host_blocking(dns, query("192.0.2.1", "x@example.com"), generous).result,
            SpfResult::Fail);
}

TEST(SpfEval, ExplanationFromExpWithMacros) {
  test::DnsTable dns;
  dns.add_txt("example.com", "v=spf1 -all exp=why.%{d}");
  dns.add_txt("why.example.com", "%{i} may not send for %{d} (sender %{l})");
  auto o = check_host_blocking(dns, query("192.0.2.9", "alice@example.com"));
  EXPECT_EQ(o.result, SpfResult::Fail);
  EXPECT_TRUE(o.explanation_from_record);
  EXPECT_EQ(o.explanation, "192.0.2.9 may not send for example.com (sender alice)");
}

TEST(SpfEval, SyntaxErrorKeepsRecordAndPosition) {
  test::DnsTable dns;
  dns.add_txt("example.com", "v=spf1 ip4:192.0.2.300 -all");
  auto o = check_host_blocking(dns, query("192.0.2.9", "alice@example.com"));
  EXPECT_EQ(o.result, SpfResult::PermError);
  ASSERT_TRUE(o.syntax_error);
  EXPECT_EQ(o.syntax_error->position, 11u);
  EXPECT_EQ(o.syntax_error_record, "v=spf1 ip4:192.0.2.300 -all");
}

TEST(SpfEval, TempErrorAndNone) {
  test::DnsTable dns;
  dns.add_timeout("slow.example");
  dns.add_txt("plain.example", "just some text");
  EXPECT_EQ(check_host_blocking(dns, query("192.0.2.1", "a@slow.example")).result,
            SpfResult::TempError);
  EXPECT_EQ(check_host_blocking(dns, query("192.0.2.1", "a@plain.example")).result,
            SpfResult::None);
  EXPECT_EQ(check_host_blocking(dns, query("192.0.2.1", "a@missing.example")).result,
            SpfResult::None);
  EXPECT_EQ(check_host_blocking(dns, query("192.0.2.1", "a@[192.0.2.1]")).result, SpfResult::None);
}

TEST(SpfEval, NullSenderUsesHeloAndMappedAddressIsIpv4) {
  test::DnsTable dns;
  dns.add_txt("client.example.net", "v=spf1 ip4:192.0.2.0/24 -all");
  auto o = check_host_blocking(dns, query("::ffff:192.0.2.77", ""));
  EXPECT_EQ(o.result, SpfResult::Pass);
  EXPECT_EQ(o.domain, "client.example.net");
}

TEST(SpfEval, ExplicitDomainAndRedirect) {
  test::DnsTable dns;
  dns.add_txt("example.org", "v=spf1 redirect=_spf.example.org");
  dns.add_txt("_spf.example.org", "v=spf1 ip6:2001:db8::/48 ?all");
  SpfQuery q = query("2001:db8::5", "bob@elsewhere.example");
  q.domain = "example.org";
  auto o = check_host_blocking(dns, q);
  EXPECT_EQ(o.result, SpfResult::Pass);
  EXPECT_EQ(o.mechanism_domain, "_spf.example.org");
  EXPECT_EQ(o.chain, (std::vector<std::string>{"example.org", "_spf.example.org"}));
  EXPECT_EQ(check_host_blocking(dns,
                                [&] {
                                  auto r = q;
                                  r.ip = asio::ip::make_address("2001:db9::5");
                                  return r;
                                }())
                .result,
            SpfResult::Neutral);
}

}  // namespace
}  // namespace mxkit::mailauth
