// IXFR out: RFC 1982 serial arithmetic, zone differences, and the RFC 1995 §4 response forms.
#include "auth/ixfr.hpp"

#include <set>
#include <string>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "auth/transfer_in.hpp"
#include "dns/message.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "zone_from_text.hpp"
#include "dns/zone/record_table.hpp"

namespace auth = mxkit::auth;
namespace dns = mxkit::dns;

namespace {

std::shared_ptr<const auth::Zone> zone_of(const std::string& body, std::uint32_t serial) {
  std::string text = fmt::format(
      "$ORIGIN example.\n$TTL 60\n@ SOA ns h {} 1 2 3 4\n@ NS ns\nns A 192.0.2.1\n", serial);
  text += body;
  return mxkit::test_support::zone_from_text("example.", text);
}

auth::Query ixfr_query(std::uint16_t id = 9) {
  auth::Query q;
  q.id = id;
  auto name = dns::Name::from_text("example.");
  std::copy(name->wire().begin(), name->wire().end(), q.qname_buffer.begin());
  q.qname_length = name->wire().size();
  q.qtype = dns::rrtype::IXFR;
  q.qclass = dns::rrclass::IN;
  return q;
}

std::string text(const dns::Record& r) {
  std::string out =
      r.owner.to_text() + " " + std::to_string(r.ttl) + " " + dns::type_to_text(r.type) + " ";
  dns::append_rdata_text(r.type, r.rdata, out);
  return out;
}

std::set<std::string> texts(const std::vector<dns::Record>& records) {
  std::set<std::string> out;
  for (const auto& r : records) out.insert(text(r));
  return out;
}

// Every answer record of a response, in order, and the count of messages.
std::vector<dns::Record> answers(const std::vector<std::vector<std::uint8_t>>& messages) {
  std::vector<dns::Record> all;
  for (const auto& m : messages) {
    auto parsed = dns::parse_message(m);
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (parsed) all.insert(all.end(), parsed->answer.begin(), parsed->answer.end());
  }
  return all;
}

std::uint32_t serial_of(const dns::Record& r) {
  return auth::soa_rdata_serial(r.rdata).value_or(0);
}

}  // namespace

TEST(SerialArithmetic, Rfc1982Table) {
  struct Case {
    std::uint32_t a, b;
    bool newer;
  };
  const Case cases[] = {
      {2, 1, true},
      {1, 2, false},
      {5, 5, false},
      {0, 0xFFFFFFFF, true},  // wraps around
      {0xFFFFFFFF, 0, false},
      {0x7FFFFFFF, 0, true},
      {0x80000000, 0, false},  // 2^31 apart: undefined
      {0, 0x80000000, false},
      {2026112702, 2026112701, true},
      {100, 0xFFFFFF00, true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(auth::serial_newer(c.a, c.b), c.newer) << c.a << " vs " << c.b;
}

TEST(ZoneDiff, WholeRecordsRemovedAndAdded) {
  auto before = zone_of(
      "@ MX 10 mail1\n@ MX 20 mail2\nold A 192.0.2.7\nttl 60 TXT \"t\"\nsame A 192.0.2.8\n", 1);
  auto after = zone_of(
      "@ MX 10 mail1\n@ MX 30 mail2\nnew A 192.0.2.9\nttl 120 TXT \"t\"\nsame A 192.0.2.8\n", 2);
  auto diff = auth::diff_zones(*before, *after);
  EXPECT_EQ(diff.from(), 1u);
  EXPECT_EQ(diff.to(), 2u);
  EXPECT_EQ(texts(diff.removed),
            (std::set<std::string>{"example. 60 MX 20 mail2.example.",
                                   "old.example. 60 A 192.0.2.7", "ttl.example. 60 TXT \"t\""}));
  EXPECT_EQ(texts(diff.added),
            (std::set<std::string>{"example. 60 MX 30 mail2.example.",
                                   "new.example. 60 A 192.0.2.9", "ttl.example. 120 TXT \"t\""}));
  auto none = auth::diff_zones(*before, *before);
  EXPECT_TRUE(none.removed.empty());
  EXPECT_TRUE(none.added.empty());
}

TEST(IxfrResponse, CondensedFormAcrossTwoChanges) {
  auto v1 = zone_of("a A 192.0.2.1\n", 1);
  auto v2 = zone_of("b A 192.0.2.2\n", 2);
  auto v3 = zone_of("b A 192.0.2.2\nc A 192.0.2.3\n", 3);
  auto d1 = auth::diff_zones(*v1, *v2), d2 = auth::diff_zones(*v2, *v3);
  const auth::ZoneDiff* chain[] = {&d1, &d2};
  auto response = auth::ixfr_response(*v3, ixfr_query(), 1, chain, false);
  ASSERT_EQ(response.form, auth::IxfrForm::incremental);
  auto all = answers(response.messages);
  // SOA 3 | SOA 1, -a | SOA 2, +b | SOA 2 | SOA 3, +c | SOA 3
  std::vector<std::string> got;
  for (const auto& r : all)
    got.push_back(r.type == dns::rrtype::SOA ? fmt::format("SOA {}", serial_of(r))
                                             : r.owner.to_text());
  EXPECT_EQ(got, (std::vector<std::string>{"SOA 3", "SOA 1", "a.example.", "SOA 2", "b.example.",
                                           "SOA 2", "SOA 3", "c.example.", "SOA 3"}));
  auto first = dns::parse_message(response.messages[0]);
  EXPECT_EQ(first->header.id, 9);
  EXPECT_TRUE(first->header.aa);
  ASSERT_EQ(first->question.size(), 1u);
}

TEST(IxfrResponse, FormsChosenByTheClientsSerial) {
  auto v1 = zone_of("a A 192.0.2.1\n", 1);
  auto v2 = zone_of("b A 192.0.2.2\n", 2);
  auto d1 = auth::diff_zones(*v1, *v2);
  const auth::ZoneDiff* chain[] = {&d1};
  struct Case {
    std::uint32_t client;
    bool use_chain;
    auth::IxfrForm form;
  };
  const Case cases[] = {
      {2, true, auth::IxfrForm::single_soa},   // up to date
      {5, true, auth::IxfrForm::single_soa},   // newer than us
      {1, true, auth::IxfrForm::incremental},  // the journal bridges 1 → 2
      {0, true, auth::IxfrForm::full},         // unknown serial: the whole zone
      {1, false, auth::IxfrForm::full},        // journal trimmed
  };
  for (const auto& c : cases) {
    auto response = auth::ixfr_response(*v2, ixfr_query(), c.client,
                                        c.use_chain ? std::span<const auth::ZoneDiff* const>(chain)
                                                    : std::span<const auth::ZoneDiff* const>(),
                                        false);
    EXPECT_EQ(response.form, c.form) << c.client;
    auto all = answers(response.messages);
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.front().type, dns::rrtype::SOA);
    EXPECT_EQ(serial_of(all.front()), 2u);
    if (c.form == auth::IxfrForm::single_soa) {
      EXPECT_EQ(all.size(), 1u);
    }
    if (c.form == auth::IxfrForm::full) {
      EXPECT_EQ(all.back().type, dns::rrtype::SOA);
      EXPECT_NE(all[1].type, dns::rrtype::SOA);  // AXFR form: a client tells it by this
      EXPECT_EQ(all.size(), 5u);                 // SOA, NS, A ns, A b, SOA
    }
  }
}

TEST(IxfrResponse, GapInTheChainFallsBackToTheWholeZone) {
  auto v1 = zone_of("", 1), v2 = zone_of("b A 192.0.2.2\n", 2), v3 = zone_of("c A 192.0.2.3\n", 3),
       v4 = zone_of("d A 192.0.2.4\n", 4);
  auto d1 = auth::diff_zones(*v1, *v2), d3 = auth::diff_zones(*v3, *v4);
  const auth::ZoneDiff* chain[] = {&d1, &d3};  // 2 → 3 is missing
  EXPECT_EQ(auth::ixfr_response(*v4, ixfr_query(), 1, chain, false).form, auth::IxfrForm::full);
}

TEST(IxfrResponse, OverUdpOnlyWhatFitsInOneMessage) {
  std::string many;
  for (int i = 0; i < 100; ++i)
    many += fmt::format("h{} TXT \"some text to fill the message\"\n", i);
  auto v1 = zone_of("", 1), v2 = zone_of("one A 192.0.2.1\n", 2), v3 = zone_of(many, 3);
  auto small = auth::diff_zones(*v1, *v2);
  const auth::ZoneDiff* chain_small[] = {&small};
  auto fits = auth::ixfr_response(*v2, ixfr_query(), 1, chain_small, true, 512);
  EXPECT_EQ(fits.form, auth::IxfrForm::incremental);
  EXPECT_EQ(fits.messages.size(), 1u);
  auto big = auth::diff_zones(*v2, *v3);
  const auth::ZoneDiff* chain_big[] = {&big};
  auto too_big = auth::ixfr_response(*v3, ixfr_query(), 2, chain_big, true, 512);
  EXPECT_EQ(too_big.form, auth::IxfrForm::single_soa);  // RFC 1995 §2: ask again over TCP
  ASSERT_EQ(too_big.messages.size(), 1u);
  EXPECT_EQ(answers(too_big.messages).size(), 1u);
  auto over_tcp = auth::ixfr_response(*v3, ixfr_query(), 2, chain_big, false, 1024);
  EXPECT_EQ(over_tcp.form, auth::IxfrForm::incremental);
  EXPECT_GT(over_tcp.messages.size(), 1u);
  for (const auto& m : over_tcp.messages) EXPECT_LE(m.size(), 1024u);
}

TEST(IxfrQuery, SerialFromTheAuthoritySection) {
  auto zone = zone_of("", 42);
  auto soa = auth::zone_soa_record(*zone);
  auto wire = auth::transfer_query(1, zone->origin().wire(), dns::rrtype::IXFR, &soa);
  auto serial = auth::ixfr_query_serial(wire);
  ASSERT_TRUE(serial) << serial.error().message;
  EXPECT_EQ(*serial, 42u);
  auto without = auth::transfer_query(1, zone->origin().wire(), dns::rrtype::IXFR, nullptr);
  auto missing = auth::ixfr_query_serial(without);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("RFC 1995"), std::string::npos);
  EXPECT_FALSE(auth::ixfr_query_serial(std::vector<std::uint8_t>{1, 2, 3}));
}
