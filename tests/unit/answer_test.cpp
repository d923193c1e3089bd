// The authoritative answer function against a table of queries and expected sections.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "auth/answer.hpp"
#include "dns/message.hpp"
#include "dns/message_builder.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"
#include "zone_from_text.hpp"

namespace auth = mxkit::auth;
namespace dns = mxkit::dns;
using Lines = std::vector<std::string>;

namespace {

const char* kZone = R"($ORIGIN example.
$TTL 3600
@        SOA   ns1 hostmaster 1 7200 900 1209600 300
@        NS    ns1
@        NS    ns2
@        MX    10 mail1
@        MX    20 mail2
ns1      A     192.0.2.53
ns2      A     192.0.2.54
mail1    A     192.0.2.1
mail1    AAAA  2001:db8::1
mail2    A     192.0.2.2
www      CNAME web
web      A     192.0.2.80
ext      CNAME www.other.test.
loop1    CNAME loop2
loop2    CNAME loop1
*.wild   TXT   "wildcard"
*.wild   MX    10 mail1
sub      NS    ns.sub
ns.sub   A     192.0.2.99
a.b.c    A     192.0.2.7
nullmx   MX    0 .
_sip._tcp SRV  10 5 5060 sip
sip      A     192.0.2.60
multi    A     192.0.2.11
multi    A     192.0.2.12
multi    A     192.0.2.13
big      TXT   "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

auth::ZoneSet make_zones() {
  auth::ZoneSet zones;
  zones.add(mxkit::test_support::zone_from_text("example.", kZone));
  return zones;
}

struct QuerySpec {
  const char* name;
  std::uint16_t type;
  bool edns = false;
  std::uint8_t edns_version = 0;
  std::uint8_t opcode = dns::opcode::QUERY;
  bool do_bit = false;
};

std::vector<std::uint8_t> make_query(const QuerySpec& spec) {
  std::vector<std::uint8_t> buffer(512);
  dns::Header h;
  h.id = 0x1234;
  h.rd = true;
  h.opcode = spec.opcode;
  dns::MessageBuilder b(buffer, h);
  b.add_question(dns::Name::from_text(spec.name)->wire(), spec.type, dns::rrclass::IN);
  if (spec.edns) {
    dns::Edns e;
    e.version = spec.edns_version;
    e.udp_payload_size = 4096;
    e.do_bit = spec.do_bit;
    b.set_edns(e);
  }
  auto m = b.finish();
  return {m.begin(), m.end()};
}

std::string line(const dns::Record& r) {
  std::string rdata;
  dns::append_rdata_text(r.type, r.rdata, rdata);
  return fmt::format("{} {} {} {}", r.owner.to_text(), r.ttl, dns::type_to_text(r.type), rdata);
}

Lines lines(const std::vector<dns::Record>& records) {
  Lines out;
  for (const auto& r : records) out.push_back(line(r));
  return out;
}

struct Reply {
  dns::Message message;
  auth::AnswerResult result;
};

Reply ask(const auth::ZoneSet& zones, const std::vector<std::uint8_t>& query, bool tcp = false,
          auth::AnswerOptions options = {}, std::uint32_t rotation = 0) {
  std::vector<std::uint8_t> out(65535);
  Reply r;
  r.result = auth::answer_query(zones, query, out, tcp, options, rotation);
  if (r.result.size == 0) return r;
  auto parsed = dns::parse_message({out.data(), r.result.size});
  EXPECT_TRUE(parsed) << parsed.error().message;
  if (parsed) r.message = *parsed;
  return r;
}

struct Case {
  const char* what;
  QuerySpec query;
  std::uint16_t rcode;
  bool aa;
  Lines answer, authority, additional;
};

TEST(Answer, Table) {
  auto zones = make_zones();
  const char* soa = "example. 300 SOA ns1.example. hostmaster.example. 1 7200 900 1209600 300";
  const Case cases[] = {
      {"MX with addresses of both exchangers",
       {"example.", dns::rrtype::MX},
       dns::rcode::NOERROR,
       true,
       {"example. 3600 MX 10 mail1.example.", "example. 3600 MX 20 mail2.example."},
       {},
       {"mail1.example. 3600 A 192.0.2.1", "mail1.example. 3600 AAAA 2001:db8::1",
        "mail2.example. 3600 A 192.0.2.2"}},
      {"NXDOMAIN with the SOA at its negative TTL (RFC 2308 §3)",
       {"nothere.example.", dns::rrtype::A}, dns::rcode::NXDOMAIN, true, {}, {soa}, {}},
      {"NODATA", {"mail1.example.", dns::rrtype::TXT}, dns::rcode::NOERROR, true, {}, {soa}, {}},
      {"empty non-terminal is NODATA, not NXDOMAIN",
       {"b.c.example.", dns::rrtype::A}, dns::rcode::NOERROR, true, {}, {soa}, {}},
      {"CNAME followed inside the zone",
       {"www.example.", dns::rrtype::A},
       dns::rcode::NOERROR,
       true,
       {"www.example. 3600 CNAME web.example.", "web.example. 3600 A 192.0.2.80"},
       {},
       {}},
      {"CNAME asked for itself is not followed",
       {"www.example.", dns::rrtype::CNAME}, dns::rcode::NOERROR, true,
       {"www.example. 3600 CNAME web.example."}, {}, {}},
      {"CNAME leaving the zone stops there",
       {"ext.example.", dns::rrtype::A}, dns::rcode::NOERROR, true,
       {"ext.example. 3600 CNAME www.other.test."}, {}, {}},
      {"CNAME loop is cut",
       {"loop1.example.", dns::rrtype::A}, dns::rcode::NOERROR, true,
       {"loop1.example. 3600 CNAME loop2.example.", "loop2.example. 3600 CNAME loop1.example."}, {}, {}},
      {"wildcard synthesis owns the query name (RFC 4592)",
       {"x.wild.example.", dns::rrtype::TXT}, dns::rcode::NOERROR, true,
       {"x.wild.example. 3600 TXT \"wildcard\""}, {}, {}},
      {"wildcard MX gets additional addresses",
       {"deep.x.wild.example.", dns::rrtype::MX}, dns::rcode::NOERROR, true,
       {"deep.x.wild.example. 3600 MX 10 mail1.example."}, {},
       {"mail1.example. 3600 A 192.0.2.1", "mail1.example. 3600 AAAA 2001:db8::1"}},
      {"wildcard NODATA",
       {"x.wild.example.", dns::rrtype::A}, dns::rcode::NOERROR, true, {}, {soa}, {}},
      {"the wildcard name itself, asked literally",
       {"*.wild.example.", dns::rrtype::TXT}, dns::rcode::NOERROR, true,
       {"*.wild.example. 3600 TXT \"wildcard\""}, {}, {}},
      {"a wildcard does not match the existing parent's other names",
       {"wild.example.", dns::rrtype::TXT}, dns::rcode::NOERROR, true, {}, {soa}, {}},
      {"referral below a delegation, with glue",
       {"host.sub.example.", dns::rrtype::A}, dns::rcode::NOERROR, false, {},
       {"sub.example. 3600 NS ns.sub.example."}, {"ns.sub.example. 3600 A 192.0.2.99"}},
      {"NS at the cut is a referral too",
       {"sub.example.", dns::rrtype::NS}, dns::rcode::NOERROR, false, {},
       {"sub.example. 3600 NS ns.sub.example."}, {"ns.sub.example. 3600 A 192.0.2.99"}},
      {"glue names are referred, not answered",
       {"ns.sub.example.", dns::rrtype::A}, dns::rcode::NOERROR, false, {},
       {"sub.example. 3600 NS ns.sub.example."}, {"ns.sub.example. 3600 A 192.0.2.99"}},
      {"DS at the cut is the parent's: NODATA here",
       {"sub.example.", dns::rrtype::DS}, dns::rcode::NOERROR, true, {}, {soa}, {}},
      {"null MX has no additional data",
       {"nullmx.example.", dns::rrtype::MX}, dns::rcode::NOERROR, true,
       {"nullmx.example. 3600 MX 0 ."}, {}, {}},
      {"SRV target addresses",
       {"_sip._tcp.example.", dns::rrtype::SRV}, dns::rcode::NOERROR, true,
       {"_sip._tcp.example. 3600 SRV 10 5 5060 sip.example."}, {}, {"sip.example. 3600 A 192.0.2.60"}},
      {"NS at the apex with addresses",
       {"example.", dns::rrtype::NS}, dns::rcode::NOERROR, true,
       {"example. 3600 NS ns1.example.", "example. 3600 NS ns2.example."}, {},
       {"ns1.example. 3600 A 192.0.2.53", "ns2.example. 3600 A 192.0.2.54"}},
      {"ANY gets one RRset (RFC 8482)",
       {"mail1.example.", dns::rrtype::ANY}, dns::rcode::NOERROR, true,
       {"mail1.example. 3600 A 192.0.2.1"}, {}, {}},
      {"not our zone", {"www.other.test.", dns::rrtype::A}, dns::rcode::REFUSED, false, {}, {}, {}},
      {"NOTIMP for other opcodes",
       {"example.", dns::rrtype::SOA, false, 0, dns::opcode::STATUS}, dns::rcode::NOTIMP, false, {}, {}, {}},
      {"BADVERS for EDNS version 1",
       {"example.", dns::rrtype::SOA, true, 1}, dns::rcode::BADVERS, false, {}, {}, {}},
      {"AXFR over UDP is not implemented there",
       {"example.", dns::rrtype::AXFR}, dns::rcode::NOTIMP, false, {}, {}, {}},
  };
  for (const auto& c : cases) {
    auto reply = ask(zones, make_query(c.query));
    ASSERT_GT(reply.result.size, 0u) << c.what;
    const auto& m = reply.message;
    EXPECT_EQ(m.header.id, 0x1234) << c.what;
    EXPECT_TRUE(m.header.qr) << c.what;
    EXPECT_TRUE(m.header.rd) << c.what;
    EXPECT_EQ(m.header.rcode, c.rcode) << c.what;
    EXPECT_EQ(m.header.aa, c.aa) << c.what;
    EXPECT_FALSE(m.header.tc) << c.what;
    ASSERT_EQ(m.question.size(), 1u) << c.what;
    EXPECT_EQ(m.question[0].name.to_text(), std::string(c.query.name)) << c.what;
    EXPECT_EQ(lines(m.answer), c.answer) << c.what;
    EXPECT_EQ(lines(m.authority), c.authority) << c.what;
    EXPECT_EQ(lines(m.additional), c.additional) << c.what;
    EXPECT_EQ(m.edns.has_value(), c.query.edns) << c.what;
  }
}

TEST(Answer, QueryCaseIsKept) {
  auto zones = make_zones();
  auto reply = ask(zones, make_query({"MaIl1.ExAmPlE.", dns::rrtype::A}));
  ASSERT_EQ(reply.message.answer.size(), 1u);
  EXPECT_EQ(reply.message.question[0].name.to_text(), "MaIl1.ExAmPlE.");
  EXPECT_EQ(reply.message.answer[0].owner.to_text(), "MaIl1.ExAmPlE.");
}

TEST(Answer, TruncationAndTcp) {
  auto zones = make_zones();
  auto udp = ask(zones, make_query({"big.example.", dns::rrtype::TXT}));
  EXPECT_TRUE(udp.message.header.tc);
  EXPECT_TRUE(udp.message.answer.empty());
  EXPECT_LE(udp.result.size, 512u);
  auto tcp = ask(zones, make_query({"big.example.", dns::rrtype::TXT}), true);
  EXPECT_FALSE(tcp.message.header.tc);
  EXPECT_EQ(tcp.message.answer.size(), 1u);
  auto edns = ask(zones, make_query({"big.example.", dns::rrtype::TXT, true}));
  EXPECT_FALSE(edns.message.header.tc);  // fits in the 1232 we allow
  ASSERT_TRUE(edns.message.edns);
  EXPECT_EQ(edns.message.edns->udp_payload_size, 1232);
}

// RFC 3225 §3: the DO bit of the query is copied into the response's OPT record.
TEST(Answer, DnssecOkBitIsCopied) {
  auto zones = make_zones();
  QuerySpec with_do{"example.", dns::rrtype::MX, true};
  with_do.do_bit = true;
  auto reply = ask(zones, make_query(with_do));
  ASSERT_TRUE(reply.message.edns);
  EXPECT_TRUE(reply.message.edns->do_bit);
  auto without = ask(zones, make_query({"example.", dns::rrtype::MX, true}));
  ASSERT_TRUE(without.message.edns);
  EXPECT_FALSE(without.message.edns->do_bit);
}

TEST(Answer, MalformedQueries) {
  auto zones = make_zones();
  std::vector<std::uint8_t> short_packet = {1, 2, 3};
  EXPECT_EQ(ask(zones, short_packet).result.size, 0u);
  auto response = make_query({"example.", dns::rrtype::A});
  response[2] |= 0x80;  // QR: a response is never answered
  EXPECT_EQ(ask(zones, response).result.size, 0u);
  auto no_question = make_query({"example.", dns::rrtype::A});
  no_question[5] = 0;  // QDCOUNT 0
  no_question.resize(12);
  auto r = ask(zones, no_question);
  EXPECT_EQ(r.message.header.rcode, dns::rcode::FORMERR);
  auto cut = make_query({"example.", dns::rrtype::A});
  cut.resize(cut.size() - 2);  // no class
  r = ask(zones, cut);
  EXPECT_EQ(r.message.header.rcode, dns::rcode::FORMERR);
  EXPECT_TRUE(r.message.question.empty());
  auto trailing = make_query({"example.", dns::rrtype::A});
  trailing.push_back(0);
  EXPECT_EQ(ask(zones, trailing).message.header.rcode, dns::rcode::FORMERR);
}

TEST(Answer, RotationSpreadsAddresses) {
  auto zones = make_zones();
  auto query = make_query({"multi.example.", dns::rrtype::A});
  auto fixed0 = ask(zones, query, false, {}, 0);
  auto fixed1 = ask(zones, query, false, {}, 1);
  EXPECT_EQ(lines(fixed0.message.answer), lines(fixed1.message.answer));  // off by default
  auth::AnswerOptions rotate;
  rotate.rotate_addresses = true;
  std::set<std::string> firsts;
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto r = ask(zones, query, false, rotate, i);
    ASSERT_EQ(r.message.answer.size(), 3u);
    firsts.insert(line(r.message.answer[0]));
  }
  EXPECT_EQ(firsts.size(), 3u);  // each address leads once in three answers
}

}  // namespace
