// Zone transfer out: message framing (SOA first and last, split over messages) and allow-lists.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <fmt/format.h>

#include "auth/notify.hpp"
#include "auth/xfr.hpp"
#include "dns/message.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "zone_from_text.hpp"
#include "dns/zone/record_table.hpp"

namespace auth = mxkit::auth;
namespace dns = mxkit::dns;

namespace {

std::shared_ptr<const auth::Zone> make_zone(int hosts) {
  std::string text = "$ORIGIN example.\n$TTL 60\n@ SOA ns h 7 1 2 3 4\n@ NS ns\nns A 192.0.2.1\n";
  for (int i = 0; i < hosts; ++i) text += fmt::format("h{} TXT \"some text to fill the message\"\n", i);
  return mxkit::test_support::zone_from_text("example.", text);
}

auth::Query axfr_query() {
  auth::Query q;
  q.id = 77;
  auto name = dns::Name::from_text("example.");
  std::copy(name->wire().begin(), name->wire().end(), q.qname_buffer.begin());
  q.qname_length = name->wire().size();
  q.qtype = dns::rrtype::AXFR;
  q.qclass = dns::rrclass::IN;
  return q;
}

TEST(Transfer, SoaFirstAndLastAcrossMessages) {
  auto zone = make_zone(200);
  auto messages = auth::transfer_messages(*zone, axfr_query(), 1024);
  ASSERT_GT(messages.size(), 5u);  // 200 TXT records do not fit in 1 KiB
  std::vector<dns::Record> all;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    ASSERT_LE(messages[i].size(), 1024u);
    auto m = dns::parse_message(messages[i]);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->header.id, 77);
    EXPECT_TRUE(m->header.aa);
    EXPECT_FALSE(m->header.tc);  // a full message is not a truncated one
    EXPECT_EQ(m->question.size(), i == 0 ? 1u : 0u);  // RFC 5936 §2.2.1
    all.insert(all.end(), m->answer.begin(), m->answer.end());
  }
  ASSERT_EQ(all.size(), 200u + 4u);  // SOA, NS, A, 200 TXT, SOA
  EXPECT_EQ(all.front().type, dns::rrtype::SOA);
  EXPECT_EQ(all.back().type, dns::rrtype::SOA);
  std::set<std::string> seen;
  for (std::size_t i = 1; i + 1 < all.size(); ++i) {
    EXPECT_NE(all[i].type, dns::rrtype::SOA);
    std::string text;
    dns::append_rdata_text(all[i].type, all[i].rdata, text);
    seen.insert(fmt::format("{} {}", all[i].owner.to_text(), text));
  }
  EXPECT_EQ(seen.size(), 202u);  // every record once
}

// A record bigger than the usual message size is not dropped: it travels alone in a message of
// up to 65535 octets, and the records around it keep to the usual size.
TEST(Transfer, RecordBiggerThanAMessageGoesAlone) {
  std::string text = "$ORIGIN example.\n$TTL 60\n@ SOA ns h 7 1 2 3 4\n@ NS ns\nns A 192.0.2.1\nbig TXT";
  for (int i = 0; i < 100; ++i) text += " \"" + std::string(200, 'x') + "\"";  // 20,100 octets
  text += "\n";
  auto zone = mxkit::test_support::zone_from_text("example.", text);
  ASSERT_TRUE(zone);
  auto messages = auth::transfer_messages(*zone, axfr_query(), 16384);
  std::size_t records = 0, big = 0;
  for (const auto& wire : messages) {
    auto m = dns::parse_message(wire);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_FALSE(m->header.tc);
    for (const auto& r : m->answer) {
      ++records;
      if (r.type == dns::rrtype::TXT) {
        ++big;
        EXPECT_GT(wire.size(), 16384u);
        EXPECT_EQ(m->answer.size(), 1u);  // alone in its message
      }
    }
    if (wire.size() > 16384) {
      EXPECT_EQ(m->answer.size(), 1u);
    }
  }
  EXPECT_EQ(big, 1u);
  EXPECT_EQ(records, 5u);  // SOA, NS, A, TXT, SOA
}

TEST(Transfer, ErrorsAnswerTheQuestion) {
  auto m = dns::parse_message(auth::transfer_error(axfr_query(), dns::rcode::REFUSED));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.rcode, dns::rcode::REFUSED);
  EXPECT_FALSE(m->header.aa);
  ASSERT_EQ(m->question.size(), 1u);
  EXPECT_EQ(m->question[0].type, dns::rrtype::AXFR);
}

TEST(AddressPrefix, ParseAndMatch) {
  const std::uint8_t v4a[] = {192, 0, 2, 77}, v4b[] = {192, 0, 3, 1}, local[] = {127, 0, 0, 1};
  const std::uint8_t v6[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  auto net = auth::AddressPrefix::parse("192.0.2.0/24");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(v4a));
  EXPECT_FALSE(net->contains(v4b));
  EXPECT_FALSE(net->contains(v6));
  auto one = auth::AddressPrefix::parse("127.0.0.1");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->contains(local));
  EXPECT_FALSE(one->contains(v4a));
  auto odd = auth::AddressPrefix::parse("192.0.2.64/27");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(v4a));  // .77 is in .64-.95
  auto six = auth::AddressPrefix::parse("2001:db8::/32");
  ASSERT_TRUE(six);
  EXPECT_TRUE(six->contains(v6));
  EXPECT_FALSE(six->contains(v4a));
  auto all = auth::AddressPrefix::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(v4b));
  for (const char* bad : {"", "example.test", "192.0.2.0/33", "::/129", "192.0.2.0/x", "1.2.3"})
    EXPECT_FALSE(auth::AddressPrefix::parse(bad)) << bad;
}

}  // namespace

namespace {

TEST(Notify, MessageCarriesTheSoa) {
  auto zone = make_zone(0);
  auto wire = auth::notify_message(4242, zone->origin().wire(), zone->rdata(*zone->soa(), 0), 60);
  auto m = dns::parse_message(wire);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->header.id, 4242);
  EXPECT_EQ(m->header.opcode, dns::opcode::NOTIFY);
  EXPECT_TRUE(m->header.aa);
  EXPECT_FALSE(m->header.qr);
  ASSERT_EQ(m->question.size(), 1u);
  EXPECT_EQ(m->question[0].type, dns::rrtype::SOA);
  EXPECT_EQ(m->question[0].name.to_text(), "example.");
  ASSERT_EQ(m->answer.size(), 1u);
  std::string text;
  dns::append_rdata_text(m->answer[0].type, m->answer[0].rdata, text);
  EXPECT_EQ(text, "ns.example. h.example. 7 1 2 3 4");
}

TEST(Notify, UnansweredIsAnErrorAfterRetries) {
  // A port nothing listens on: each try times out (or is refused), and the error says so.
  auto zone = make_zone(0);
  auto r = auth::send_notify({"127.0.0.1", 9}, zone->origin().wire(), zone->rdata(*zone->soa(), 0), 60, 2,
                             std::chrono::milliseconds(50));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no answer after 2 tries"), std::string::npos) << r.error().message;
}

TEST(Notify, ResponsesToANotifyReceived) {
  // RFC 1996 §4.7: the question echoed, QR set, opcode NOTIFY; AA only when accepted.
  auto zone = make_zone(0);
  for (std::uint16_t rcode : {dns::rcode::NOERROR, dns::rcode::REFUSED, dns::rcode::NOTAUTH}) {
    auto wire = auth::notify_response(99, zone->origin().wire(), dns::rrtype::SOA, dns::rrclass::IN, rcode);
    auto m = dns::parse_message(wire);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->header.id, 99);
    EXPECT_TRUE(m->header.qr);
    EXPECT_EQ(m->header.opcode, dns::opcode::NOTIFY);
    EXPECT_EQ(m->header.rcode, rcode);
    EXPECT_EQ(m->header.aa, rcode == dns::rcode::NOERROR);
    ASSERT_EQ(m->question.size(), 1u);
    EXPECT_EQ(m->question[0].name.to_text(), "example.");
    EXPECT_TRUE(m->answer.empty());
  }
}

}  // namespace
