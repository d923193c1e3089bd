// The SPF record parser and macro expander (src/mailauth): tables of records and strings.
#include "mailauth/spf_record.hpp"

#include <gtest/gtest.h>

#include "mailauth/spf_macro.hpp"

namespace mxkit::mailauth {
namespace {

TEST(SpfRecord, RecognisesVersion) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10"));
  EXPECT_FALSE(is_spf_record("v=spf1mx"));
  EXPECT_FALSE(is_spf_record("spf1"));
}

TEST(SpfRecord, ParsesEveryMechanismAndModifier) {
  auto r = parse_spf_record(
      "v=spf1 +all -include:_spf.example.com ~a ?a:mail.%{d}/24//64 mx/30 ptr:example.org "
      "ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.bl.example.com redirect=other.example "
      "exp=why.%{d} x-custom=%{l}");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->mechanisms.size(), 9u);
  EXPECT_EQ(r->mechanisms[0].kind, SpfMechanismKind::All);
  EXPECT_EQ(r->mechanisms[1].qualifier, SpfQualifier::Fail);
  EXPECT_EQ(r->mechanisms[1].domain_spec, "_spf.example.com");
  EXPECT_EQ(r->mechanisms[2].qualifier, SpfQualifier::SoftFail);
  EXPECT_EQ(r->mechanisms[3].qualifier, SpfQualifier::Neutral);
  EXPECT_EQ(r->mechanisms[3].domain_spec, "mail.%{d}");
  EXPECT_EQ(r->mechanisms[3].cidr4, 24);
  EXPECT_EQ(r->mechanisms[3].cidr6, 64);
  EXPECT_EQ(r->mechanisms[4].cidr4, 30);
  EXPECT_EQ(r->mechanisms[4].cidr6, 128);
  EXPECT_EQ(r->mechanisms[6].network[0], 192);
  EXPECT_EQ(r->mechanisms[6].cidr4, 24);
  EXPECT_EQ(r->mechanisms[7].cidr6, 32);
  EXPECT_EQ(r->mechanisms[7].network[1], 0x01);
  EXPECT_EQ(r->mechanisms[8].kind, SpfMechanismKind::Exists);
  EXPECT_EQ(r->mechanisms[6].position, 83u);
  ASSERT_TRUE(r->redirect);
  EXPECT_EQ(r->redirect->value, "other.example");
  ASSERT_TRUE(r->exp);
  ASSERT_EQ(r->unknown.size(), 1u);
  EXPECT_EQ(r->unknown[0].name, "x-custom");
  EXPECT_TRUE(r->mechanisms[1].counts_lookup());
  EXPECT_FALSE(r->mechanisms[6].counts_lookup());
}

struct BadRecord {
  const char* record;
  std::size_t position;
  const char* message_part;
};

class SpfRecordErrors : public ::testing::TestWithParam<BadRecord> {};

TEST_P(SpfRecordErrors, NamesPositionAndReason) {
  const auto& c = GetParam();
  auto r = parse_spf_record(c.record);
  ASSERT_FALSE(r) << c.record;
  EXPECT_EQ(r.error().position, c.position) << c.record << ": " << r.error().message;
  EXPECT_NE(r.error().message.find(c.message_part), std::string::npos)
      << c.record << ": " << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SpfRecordErrors,
    ::testing::Values(
        BadRecord{"v=spf1 ip4:192.0.2.1/33", 20, "prefix length"},
        BadRecord{"v=spf1 ip4:192.0.2.01", 11, "not an IPv4"},
        BadRecord{"v=spf1 ip6:::1::2", 11, "not an IPv6"},
        BadRecord{"v=spf1 a:example.com/024", 20, "IPv4 prefix"},
        BadRecord{"v=spf1 a//129", 9, "IPv6 prefix"},
        BadRecord{"v=spf1 foo -all", 7, "unknown mechanism \"foo\""},
        BadRecord{"v=spf1 -all.", 11, "takes no argument"},
        BadRecord{"v=spf1 include", 14, "needs"}, BadRecord{"v=spf1 a:foo-bar", 9, "needs a dot"},
        BadRecord{"v=spf1 a:example.123", 17, "top label"},
        BadRecord{"v=spf1 exists:%{x}.example.com", 16, "not a macro letter"},
        BadRecord{"v=spf1 exists:%{c}.example.com", 16, "only in explanations"},
        BadRecord{"v=spf1 exists:%{d0}.example.com", 17, "zero"},
        BadRecord{"v=spf1 a:%(d).example.com", 9, "is not a macro"},
        BadRecord{"v=spf1 redirect=a.example redirect=b.example", 26, "second"},
        BadRecord{"v=spf1 exp=", 11, "empty domain"},
        BadRecord{"v=spf1 a:b.example\r-all", 18, "0x0d"}, BadRecord{"v=spf1 x=%", 9, "lone"},
        BadRecord{"v=spf1 ptr/24", 10, "only"}, BadRecord{"v=spf1 a:foo}", 9, "needs a dot"},
        BadRecord{"v=spf1 a:foo.%%_", 13, "top label"}, BadRecord{"spf1 -all", 0, "v=spf1"}));

TEST(SpfRecord, TrailingAndDoubleSpacesAreFine) {
  auto r = parse_spf_record("v=spf1  a   -all  ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mechanisms.size(), 2u);
}

SpfMacroContext example_context() {
  // The values of RFC 7208 §7.4's examples.
  SpfMacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.local_part = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = asio::ip::make_address("192.0.2.3");
  c.helo = "mx.example.org";
  c.receiver = "mx.example.net";
  c.timestamp = 1700000000;
  return c;
}

struct MacroCase {
  const char* in;
  const char* out;
};
class SpfMacro : public ::testing::TestWithParam<MacroCase> {};

TEST_P(SpfMacro, ExpandsAsRfc7208Section74) {
  auto expanded = expand_macros(GetParam().in, example_context(), true);
  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ(*expanded, GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SpfMacro,
    ::testing::Values(
        MacroCase{"%{s}", "strong-bad@email.example.com"}, MacroCase{"%{o}", "email.example.com"},
        MacroCase{"%{d}", "email.example.com"}, MacroCase{"%{d4}", "email.example.com"},
        MacroCase{"%{d3}", "email.example.com"}, MacroCase{"%{d2}", "example.com"},
        MacroCase{"%{d1}", "com"}, MacroCase{"%{dr}", "com.example.email"},
        MacroCase{"%{d2r}", "example.email"}, MacroCase{"%{l}", "strong-bad"},
        MacroCase{"%{l-}", "strong.bad"}, MacroCase{"%{lr}", "strong-bad"},
        MacroCase{"%{lr-}", "bad.strong"}, MacroCase{"%{l1r-}", "strong"},
        MacroCase{"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
        MacroCase{"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
        MacroCase{"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
        MacroCase{"%{c} %{r} %{t} %{p} %{h}",
                  "192.0.2.3 mx.example.net 1700000000 unknown mx.example.org"},
        MacroCase{"%% %_ %-", "%   %20"}, MacroCase{"%{S}", "strong-bad%40email.example.com"},
        MacroCase{"%{d200}", "email.example.com"}));

TEST(SpfMacroIpv6, NibblesAndReadableForm) {
  auto c = example_context();
  c.ip = asio::ip::make_address("2001:db8::cb01");
  auto e = expand_macros("%{ir}.%{v}._spf.%{d2} %{c}", c, true);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e,
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com "
            "2001:db8::cb01");
  EXPECT_EQ(reverse_name(c.ip),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(SpfMacro, DomainSpecsRejectExplanationLetters) {
  EXPECT_FALSE(expand_macros("%{r}.example.com", example_context(), false));
  EXPECT_TRUE(uses_ptr_macro("a.%{p}.b"));
  EXPECT_FALSE(uses_ptr_macro("a.%{d}.b %%{p}"));
}

TEST(SpfMacro, TruncatesLongDomainsFromTheLeft) {
  std::string name;
  for (int i = 0; i < 30; ++i) name += "label" + std::to_string(i) + ".";
  name += "example.com";
  const auto truncated = truncate_domain(name);
  EXPECT_LE(truncated.size(), 253u);
  EXPECT_TRUE(truncated.ends_with(".example.com"));
  EXPECT_TRUE(truncated.starts_with("label"));
  EXPECT_EQ(name.substr(name.size() - truncated.size()), truncated);
}

}  // namespace
}  // namespace mxkit::mailauth
