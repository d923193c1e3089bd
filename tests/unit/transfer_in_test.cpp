// Zone transfer in: requests, the response reader (AXFR, the three IXFR forms, broken streams)
// and applying differences to a zone.
#include "auth/transfer_in.hpp"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "auth/ixfr.hpp"
#include "auth/xfr.hpp"
#include "dns/message.hpp"
#include "dns/message_builder.hpp"
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

auth::Query query(std::uint16_t id, std::uint16_t qtype) {
  auth::Query q;
  q.id = id;
  auto name = dns::Name::from_text("example.");
  std::copy(name->wire().begin(), name->wire().end(), q.qname_buffer.begin());
  q.qname_length = name->wire().size();
  q.qtype = qtype;
  q.qclass = dns::rrclass::IN;
  return q;
}

const dns::Name& origin() {
  static const dns::Name name = *dns::Name::from_text("example.");
  return name;
}

// Feeds every message; the reader's verdict on the last one (or the first error).
mxkit::core::Result<bool> feed_all(auth::TransferReader& reader,
                                   const std::vector<std::vector<std::uint8_t>>& messages) {
  mxkit::core::Result<bool> last = false;
  for (const auto& m : messages) {
    last = reader.feed(m);
    if (!last) return last;
  }
  return last;
}

bool same_zone(const auth::Zone& a, const auth::Zone& b) {
  auto d = auth::diff_zones(a, b);
  return d.removed.empty() && d.added.empty() && auth::zone_serial(a) == auth::zone_serial(b);
}

// A response message with the given answer records, built by hand for the broken cases.
std::vector<std::uint8_t> message(std::uint16_t id, const std::vector<dns::Record>& records,
                                  std::uint16_t rcode = 0, bool tc = false) {
  std::vector<std::uint8_t> buffer(4096);
  dns::Header h;
  h.id = id;
  h.qr = true;
  h.aa = true;
  h.tc = tc;
  dns::MessageBuilder out(buffer, h);
  for (const auto& r : records) out.add_record(dns::Section::Answer, r);
  out.header().rcode = rcode;
  auto m = out.finish();
  return {m.begin(), m.end()};
}

dns::Record a_record(const std::string& owner) {
  return dns::Record{
      *dns::Name::from_text(owner), dns::rrtype::A, dns::rrclass::IN, 60, {192, 0, 2, 1}};
}

}  // namespace

TEST(TransferIn, AxfrStreamBuildsTheZone) {
  std::string body;
  for (int i = 0; i < 150; ++i)
    body += fmt::format("h{} TXT \"some text to fill the message\"\n", i);
  auto zone = zone_of(body, 7);
  auto messages = auth::transfer_messages(*zone, query(5, dns::rrtype::AXFR), 1024);
  ASSERT_GT(messages.size(), 3u);
  auth::TransferReader reader(origin(), 5, dns::rrtype::AXFR, std::nullopt);
  auto done = feed_all(reader, messages);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_TRUE(*done);
  EXPECT_EQ(reader.form(), auth::TransferReader::Form::full);
  EXPECT_EQ(reader.serial(), 7u);
  auto built = auth::zone_from_records(origin(), reader.zone_records());
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_TRUE(same_zone(*zone, **built));
}

TEST(TransferIn, IxfrFormsAreToldApart) {
  auto v1 = zone_of("a A 192.0.2.1\n@ MX 10 a\n", 1);
  auto v2 = zone_of("a A 192.0.2.1\nb A 192.0.2.2\n@ MX 10 b\n", 2);
  auto v3 = zone_of("b A 192.0.2.2\n@ MX 10 b\n@ MX 20 c\n", 3);
  auto d1 = auth::diff_zones(*v1, *v2), d2 = auth::diff_zones(*v2, *v3);
  const auth::ZoneDiff* chain[] = {&d1, &d2};
  struct Case {
    const char* what;
    std::uint32_t ours;
    bool use_chain;
    auth::TransferReader::Form form;
  };
  const Case cases[] = {
      {"differences", 1, true, auth::TransferReader::Form::incremental},
      {"whole zone", 1, false, auth::TransferReader::Form::full},
      {"up to date", 3, true, auth::TransferReader::Form::up_to_date},
  };
  for (const auto& c : cases) {
    auto response = auth::ixfr_response(*v3, query(11, dns::rrtype::IXFR), c.ours,
                                        c.use_chain ? std::span<const auth::ZoneDiff* const>(chain)
                                                    : std::span<const auth::ZoneDiff* const>(),
                                        false, 512);
    auth::TransferReader reader(origin(), 11, dns::rrtype::IXFR, c.ours);
    auto done = feed_all(reader, response.messages);
    ASSERT_TRUE(done) << c.what << ": " << done.error().message;
    EXPECT_TRUE(*done) << c.what;
    EXPECT_EQ(reader.form(), c.form) << c.what;
    if (c.form == auth::TransferReader::Form::incremental) {
      ASSERT_EQ(reader.changes().size(), 2u);
      EXPECT_EQ(reader.changes()[0], d1);
      EXPECT_EQ(reader.changes()[1], d2);
      auto applied = auth::apply_changes(*v1, reader.changes());
      ASSERT_TRUE(applied) << applied.error().message;
      EXPECT_TRUE(same_zone(**applied, *v3));
    }
    if (c.form == auth::TransferReader::Form::full) {
      auto built = auth::zone_from_records(origin(), reader.zone_records());
      ASSERT_TRUE(built);
      EXPECT_TRUE(same_zone(**built, *v3));
    }
  }
}

TEST(TransferIn, BrokenStreamsAreRefused) {
  auto zone = zone_of("a A 192.0.2.1\n", 4);
  const auto soa = auth::zone_soa_record(*zone);
  auto soa_at = [&](std::uint32_t serial) {
    auto r = soa;
    for (int i = 0; i < 4; ++i)
      r.rdata[r.rdata.size() - 20 + static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(serial >> (24 - 8 * i));
    return r;
  };
  struct Case {
    const char* what;
    std::vector<std::vector<std::uint8_t>> messages;
    const char* error;
  };
  const Case cases[] = {
      {"another id", {message(2, {soa, a_record("a.example."), soa})}, "id"},
      {"refused", {message(1, {}, dns::rcode::REFUSED)}, "REFUSED"},
      {"truncated", {message(1, {soa}, 0, true)}, "truncated"},
      {"no SOA first", {message(1, {a_record("a.example."), soa})}, "begin"},
      {"outside the zone", {message(1, {soa, a_record("a.example.org."), soa})}, "outside"},
      {"records after the end", {message(1, {soa, soa, a_record("a.example.")})}, "after"},
      {"another serial inside", {message(1, {soa, a_record("a.example."), soa_at(9)})}, "inside"},
      {"an SOA below the apex",
       {message(1, {soa, dns::Record{*dns::Name::from_text("x.example."), 6, 1, 60, soa.rdata}})},
       "apex"},
      {"empty message", {message(1, {})}, "no records"},
      {"not DNS", {{1, 2, 3}}, "message 1"},
  };
  for (const auto& c : cases) {
    auth::TransferReader reader(origin(), 1, dns::rrtype::AXFR, std::nullopt);
    auto done = feed_all(reader, c.messages);
    ASSERT_FALSE(done) << c.what;
    EXPECT_NE(done.error().message.find(c.error), std::string::npos)
        << c.what << ": " << done.error().message;
  }
  auth::TransferReader limited(origin(), 1, dns::rrtype::AXFR, std::nullopt, {2, 1 << 20});
  auto over = limited.feed(message(1, {soa, a_record("a.example."), a_record("b.example."), soa}));
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("more than 2 records"), std::string::npos);
  // A stream that stops before its closing SOA is not done (the caller sees the close).
  auth::TransferReader unfinished(origin(), 1, dns::rrtype::AXFR, std::nullopt);
  auto partial = unfinished.feed(message(1, {soa, a_record("a.example.")}));
  ASSERT_TRUE(partial);
  EXPECT_FALSE(*partial);
}

TEST(TransferIn, ChangesThatDoNotApply) {
  auto v1 = zone_of("a A 192.0.2.1\n", 1);
  auto v2 = zone_of("b A 192.0.2.2\n", 2);
  auto d = auth::diff_zones(*v1, *v2);
  EXPECT_FALSE(auth::apply_changes(*v2, std::vector{d}));  // starts at 1, the zone is at 2
  auto bogus = d;
  bogus.removed.push_back(
      dns::Record{*dns::Name::from_text("zzz.example."), dns::rrtype::A, 1, 60, {192, 0, 2, 9}});
  auto applied = auth::apply_changes(*v1, std::vector{bogus});
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.error().message.find("does not hold"), std::string::npos)
      << applied.error().message;
  // An added record removed again by a later change never reaches the zone.
  auto v3 = zone_of("a A 192.0.2.1\n", 3);
  auto applied_twice = auth::apply_changes(*v1, std::vector{d, auth::diff_zones(*v2, *v3)});
  ASSERT_TRUE(applied_twice) << applied_twice.error().message;
  EXPECT_TRUE(same_zone(**applied_twice, *v3));
}

TEST(TransferIn, SoaQueryAndAnswer) {
  auto zone = zone_of("", 2026112701);
  auto q = auth::soa_query(77, origin().wire());
  auto parsed = dns::parse_message(q);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->question.at(0).type, dns::rrtype::SOA);
  auto serial =
      auth::read_soa_answer(message(77, {auth::zone_soa_record(*zone)}), 77, origin().wire());
  ASSERT_TRUE(serial) << serial.error().message;
  EXPECT_EQ(*serial, 2026112701u);
  EXPECT_FALSE(
      auth::read_soa_answer(message(78, {auth::zone_soa_record(*zone)}), 77, origin().wire()));
  EXPECT_FALSE(auth::read_soa_answer(message(77, {}, dns::rcode::SERVFAIL), 77, origin().wire()));
  EXPECT_FALSE(auth::read_soa_answer(message(77, {a_record("example.")}), 77, origin().wire()));
}

TEST(TransferIn, ZoneTextReadsBack) {
  auto zone = zone_of("a A 192.0.2.1\n@ MX 10 a\nt TXT \"x y\"\n", 5);
  auto text = auth::zone_text(*zone);
  dns::zone::CollectingSink sink;
  dns::zone::ParseOptions options;
  options.origin = origin();
  dns::zone::parse_zone_text(text, "copy", options, sink);
  auto again = auth::Zone::build(origin(), std::move(sink.records));
  ASSERT_TRUE(again);
  EXPECT_TRUE(same_zone(*zone, **again));
}
