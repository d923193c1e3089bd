// classify_reply against a table of replies: what each one means for the resolution.
#include <gtest/gtest.h>

#include "resolver/classify.hpp"
#include "resolver_test_util.hpp"

namespace mxkit::resolver {
namespace {

using namespace testing;

struct Case {
  const char* name;
  ReplySpec reply;
  const char* zone;  // the zone the server was asked for; nullptr: stub mode
  ReplyKind kind;
  const char* why = "";  // substring of Classified::why
  std::size_t cnames = 0;
  std::size_t records = 0;
  const char* target = "";  // "" : qname
  const char* cut = "";
  std::size_t ns = 0;
  std::size_t glue = 0;
  std::uint32_t negative_ttl = 0;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const char* kSoa = "test. 3600 SOA ns1.test. host.test. 1 7200 900 1209600 300\n";

const Case kCases[] = {
    {"answer",
     {"a.test.", 1, 0, true, "a.test. A 192.0.2.1\na.test. A 192.0.2.2"},
     "test.",
     ReplyKind::Answer,
     "",
     0,
     2},
    {"answer_case_insensitive",
     {"A.Test.", 1, 0, true, "a.TEST. A 192.0.2.1"},
     "test.",
     ReplyKind::Answer,
     "",
     0,
     1},
    {"answer_without_aa_is_lame",
     {"a.test.", 1, 0, false, "a.test. A 192.0.2.1"},
     "test.",
     ReplyKind::Lame,
     "without AA"},
    {"stub_answer_without_aa",
     {"a.test.", 1, 0, false, "a.test. A 192.0.2.1"},
     nullptr,
     ReplyKind::Answer,
     "",
     0,
     1},
    {"cname_chain_answered",
     {"www.test.", 1, 0, true, "www.test. CNAME web.test.\nweb.test. A 192.0.2.80"},
     "test.",
     ReplyKind::Answer,
     "",
     1,
     1,
     "web.test."},
    {"cname_two_links",
     {"a.test.", 1, 0, true, "a.test. CNAME b.test.\nb.test. CNAME c.test.\nc.test. A 192.0.2.3"},
     "test.",
     ReplyKind::Answer,
     "",
     2,
     1,
     "c.test."},
    {"cname_out_of_zone",
     {"www.test.", 1, 0, true, "www.test. CNAME www.other.\nwww.other. A 192.0.2.9"},
     "test.",
     ReplyKind::Cname,
     "",
     1,
     0,
     "www.other."},
    {"cname_in_zone_unanswered",
     {"www.test.", 1, 0, true, "www.test. CNAME web.test."},
     "test.",
     ReplyKind::Cname,
     "",
     1,
     0,
     "web.test."},
    {"cname_to_nodata",
     {"www.test.", 28, 0, true, "www.test. CNAME web.test.", kSoa},
     "test.",
     ReplyKind::NoData,
     "",
     1,
     0,
     "web.test.",
     "",
     0,
     0,
     300},
    {"cname_to_nxdomain",
     {"www.test.", 1, 3, true, "www.test. CNAME gone.test.", kSoa},
     "test.",
     ReplyKind::NxDomain,
     "",
     1,
     0,
     "gone.test.",
     "",
     0,
     0,
     300},
    {"cname_loop_in_reply",
     {"a.test.", 1, 0, true, "a.test. CNAME b.test.\nb.test. CNAME a.test."},
     "test.",
     ReplyKind::Lame,
     "CNAME loop"},
    {"out_of_bailiwick_answer_ignored",
     {"a.example.test.", 1, 0, true,
      "a.example.test. CNAME x.other.test.\nx.other.test. A 192.0.2.66"},
     "example.test.",
     ReplyKind::Cname,
     "",
     1,
     0,
     "x.other.test."},
    {"qtype_cname_not_followed",
     {"www.test.", 5, 0, true, "www.test. CNAME web.test.\nweb.test. A 192.0.2.80"},
     "test.",
     ReplyKind::Answer,
     "",
     0,
     1},
    {"referral_with_glue",
     {"a.example.test.", 1, 0, false, "",
      "example.test. NS ns1.example.test.\nexample.test. NS ns.elsewhere.net.",
      "ns1.example.test. A 192.0.2.1\nns1.example.test. AAAA 2001:db8::1\nns.elsewhere.net. A "
      "192.0.2.66\nevil.test. A 192.0.2.99"},
     "test.",
     ReplyKind::Referral,
     "",
     0,
     0,
     "",
     "example.test.",
     2,
     2},
    {"referral_from_root",
     {"a.example.test.", 1, 0, false, "", "test. NS ns.test.", "ns.test. A 127.0.0.3"},
     ".",
     ReplyKind::Referral,
     "",
     0,
     0,
     "",
     "test.",
     1,
     1},
    {"referral_glue_outside_zone_dropped",
     {"a.example.test.", 1, 0, false, "", "example.test. NS ns.example.net.",
      "ns.example.net. A 192.0.2.66"},
     "test.",
     ReplyKind::Referral,
     "",
     0,
     0,
     "",
     "example.test.",
     1,
     0},
    {"upward_referral",
     {"a.example.test.", 1, 0, false, "", "test. NS ns.test."},
     "example.test.",
     ReplyKind::Lame,
     "upward referral"},
    {"referral_to_itself",
     {"a.example.test.", 1, 0, false, "", "test. NS ns.test."},
     "test.",
     ReplyKind::Lame,
     "itself"},
    {"referral_beside_the_name",
     {"a.example.test.", 1, 0, false, "", "other.test. NS ns.other.test."},
     "test.",
     ReplyKind::Lame,
     "not above"},
    {"nxdomain",
     {"gone.test.", 1, 3, true, "", kSoa},
     "test.",
     ReplyKind::NxDomain,
     "",
     0,
     0,
     "",
     "",
     0,
     0,
     300},
    {"nxdomain_without_aa",
     {"gone.test.", 1, 3, false, "", kSoa},
     "test.",
     ReplyKind::Lame,
     "NXDOMAIN without AA"},
    {"nxdomain_stub",
     {"gone.test.", 1, 3, false, "", kSoa},
     nullptr,
     ReplyKind::NxDomain,
     "",
     0,
     0,
     "",
     "",
     0,
     0,
     300},
    {"nxdomain_without_soa",
     {"gone.test.", 1, 3, true},
     "test.",
     ReplyKind::NxDomain,
     "",
     0,
     0,
     "",
     "",
     0,
     0,
     0},
    {"nodata_soa_ttl_smaller",
     {"a.test.", 28, 0, true, "", "test. 60 SOA ns1.test. host.test. 1 7200 900 1209600 300"},
     "test.",
     ReplyKind::NoData,
     "",
     0,
     0,
     "",
     "",
     0,
     0,
     60},
    {"nodata_with_zone_ns",
     {"a.test.", 28, 0, true, "", "test. NS ns1.test."},
     "test.",
     ReplyKind::NoData},
    {"no_aa_nothing", {"a.test.", 1, 0, false}, "test.", ReplyKind::Lame, "no AA"},
    {"refused", {"a.test.", 1, 5, false}, "test.", ReplyKind::Lame, "REFUSED"},
    {"servfail", {"a.test.", 1, 2, false}, "test.", ReplyKind::Failure, "SERVFAIL"},
    {"notimp", {"a.test.", 1, 4, false}, nullptr, ReplyKind::Failure, "rcode 4"},
    {"soa_of_another_zone_ignored",
     {"gone.test.", 1, 3, true, "", "other. 3600 SOA a.other. b.other. 1 2 3 4 5"},
     "test.",
     ReplyKind::NxDomain,
     "",
     0,
     0,
     "",
     "",
     0,
     0,
     0},
};

class ClassifyTest : public ::testing::TestWithParam<Case> {};

TEST_P(ClassifyTest, Reply) {
  const Case& c = GetParam();
  ClassifyContext context;
  context.iterative = c.zone != nullptr;
  if (c.zone) context.zone = N(c.zone);
  const auto qname = N(c.reply.qname);
  auto out = classify_reply(reply(c.reply), qname, c.reply.qtype, context);
  EXPECT_EQ(reply_kind_name(out.kind), reply_kind_name(c.kind)) << out.why;
  EXPECT_NE(out.why.find(c.why), std::string::npos) << out.why;
  EXPECT_EQ(out.cnames.size(), c.cnames);
  EXPECT_EQ(out.records.size(), c.records);
  EXPECT_EQ(out.target.to_text(), (*c.target ? N(c.target) : qname).to_text());
  if (*c.cut) {
    EXPECT_EQ(out.cut.to_text(), N(c.cut).to_text());
  }
  EXPECT_EQ(out.ns.size(), c.ns);
  EXPECT_EQ(out.glue.size(), c.glue);
  EXPECT_EQ(out.negative_ttl, c.negative_ttl);
}

INSTANTIATE_TEST_SUITE_P(Table, ClassifyTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return std::string(param.param.name);
                         });

// Found by fuzz_resolver_reply: NS records of another class make no referral.
TEST(Classify, RecordsOfAnotherClassIgnored) {
  auto m = reply({"a.example.test.", 1, 0, false, "", "example.test. NS ns.example.test."});
  m.authority.front().cls = 3;  // CH
  auto out = classify_reply(m, N("a.example.test."), 1, {N("test."), true});
  EXPECT_EQ(out.kind, ReplyKind::Lame);
  EXPECT_TRUE(out.ns.empty());
}

TEST(NegativeTtl, SmallerOfTtlAndMinimum) {
  EXPECT_EQ(negative_ttl(R("test. 100 SOA a.test. b.test. 1 2 3 4 50").front()), 50u);
  EXPECT_EQ(negative_ttl(R("test. 10 SOA a.test. b.test. 1 2 3 4 50").front()), 10u);
  dns::Record broken = R("test. 10 SOA a.test. b.test. 1 2 3 4 50").front();
  broken.rdata.resize(broken.rdata.size() - 1);
  EXPECT_EQ(negative_ttl(broken), 0u);
}

}  // namespace
}  // namespace mxkit::resolver
