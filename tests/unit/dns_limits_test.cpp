// Issue 11's refusal rules and limits: which zones are refused and why, origins given twice,
// malformed EDNS options (FORMERR) and the per-client TCP connection cap.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "auth/answer.hpp"
#include "auth/query.hpp"
#include "auth/server.hpp"
#include "auth/tcp_clients.hpp"
#include "auth/zone_refusal.hpp"
#include "auth/zone_set.hpp"
#include "dns/message.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"
#include "zone_from_text.hpp"

namespace auth = mxkit::auth;
namespace dns = mxkit::dns;

namespace {

const char* kHead = R"($ORIGIN example.test.
$TTL 3600
@      SOA  ns1 hostmaster 1 7200 900 1209600 300
@      NS   ns1
ns1    A    192.0.2.53
)";  // 5 lines: a case's own records start on line 6

// The head and then `tail` (appended: g++ 12 misreads `std::string + "..."` under -Wrestrict).
std::string with(const char* tail) {
  std::string text = kHead;
  text.append(tail);
  return text;
}

std::vector<std::string> refusals(const std::string& text, const char* origin = "example.test.") {
  dns::zone::CollectingSink sink;
  dns::zone::ParseOptions options;
  options.origin = *dns::Name::from_text(origin);
  auto stats = dns::zone::parse_zone_text(text, "z.zone", options, sink);
  EXPECT_EQ(stats.errors, 0u);
  return auth::zone_refusals(sink.records, options.origin, "z.zone");
}

struct RefusalCase {
  const char* what;
  std::string text;
  std::vector<std::string> expected;  // a substring of each line, in order; empty: served
};

TEST(ZoneRefusal, Table) {
  const RefusalCase cases[] = {
      {"clean zone is served", with("mail A 192.0.2.25\n@ MX 10 mail\n"), {}},
      {"warnings alone do not refuse (TTL mismatch, duplicate)",
       with("a 60 A 192.0.2.1\na 120 A 192.0.2.2\nb A 192.0.2.3\nb A 192.0.2.3\n"),
       {}},
      {"CNAME beside other data",
       with("mail1 A 192.0.2.25\nmail1 CNAME foo\n"),
       {"z.zone:7:1: error:", "[cname-and-other-data]"}},
      {"MX at an alias",
       with("@ MX 10 www\nwww CNAME ns1\n"),
       {"z.zone:6:1: error:", "[target-is-alias]"}},
      {"missing glue below a cut", with("sub NS ns.sub\n"), {"[missing-glue]"}},
      {"two SOA records", with("@ SOA ns1 h 2 7200 900 1209600 300\n"), {"[multiple-soa]"}},
      {"record out of the zone", with("other.test. A 192.0.2.9\n"), {"[out-of-zone]"}},
  };
  for (const auto& c : cases) {
    auto lines = refusals(c.text);
    ASSERT_EQ(lines.size(), c.expected.size() == 0 ? 0u : 1u)
        << c.what << ": " << (lines.empty() ? "" : lines[0]);
    for (const auto& part : c.expected)
      EXPECT_NE(lines[0].find(part), std::string::npos) << c.what << ": " << lines[0];
  }
}

TEST(ZoneRefusal, NoSoaIsRefused) {
  auto lines = refusals("$ORIGIN example.test.\n@ 60 NS ns1\nns1 60 A 192.0.2.1\n");
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find("[no-soa]"), std::string::npos) << lines[0];
}

TEST(ZoneRefusal, OriginMismatchSaysWhereTheSoaIs) {
  // The file names its own origin; served as other.test. every record would be out of zone.
  auto lines = refusals(kHead, "other.test.");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("z.zone:3:1:"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("SOA is at example.test., not at the origin other.test."),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("[origin-mismatch]"), std::string::npos) << lines[0];
}

TEST(ZoneRefusal, WarnServesDespiteErrorsButNotAnotherOrigin) {
  dns::zone::CollectingSink sink;
  dns::zone::ParseOptions options;
  options.origin = *dns::Name::from_text("example.test.");
  dns::zone::parse_zone_text(with("mail1 A 192.0.2.25\nmail1 CNAME foo\n"), "z.zone", options,
                             sink);
  std::vector<std::string> despite;
  EXPECT_TRUE(auth::zone_refusals(sink.records, options.origin, "z.zone", &despite).empty());
  ASSERT_EQ(despite.size(), 1u);
  EXPECT_NE(despite[0].find("[cname-and-other-data]"), std::string::npos);
  despite.clear();
  auto other = *dns::Name::from_text("other.test.");
  EXPECT_EQ(auth::zone_refusals(sink.records, other, "z.zone", &despite).size(), 1u);
  EXPECT_TRUE(despite.empty());
}

TEST(ZoneRefusal, ManyErrorsListedThenCounted) {
  std::string text = kHead;
  for (int i = 0; i < 8; ++i) text.append(fmt::format("h{0} A 192.0.2.1\nh{0} CNAME ns1\n", i));
  auto lines = refusals(text);
  ASSERT_EQ(lines.size(), auth::kRefusalsListed + 1);
  EXPECT_NE(lines.back().find("and 3 more errors"), std::string::npos) << lines.back();
}

auth::ZoneSource source(const char* origin, const char* file, const char* where) {
  return {*dns::Name::from_text(origin), file, {}, where};
}

TEST(ZoneRefusal, DuplicateOriginsNameBothSources) {
  EXPECT_TRUE(auth::check_distinct_origins({source("a.test.", "a.zone", "--zone a.test=a.zone"),
                                            source("b.test.", "b.zone", "--zone b.test=b.zone")}));
  auto twice = auth::check_distinct_origins({source("a.test.", "a.zone", "serve.toml:7:1"),
                                             source("b.test.", "b.zone", "serve.toml:11:1"),
                                             source("A.Test.", "c.zone", "serve.toml:15:1")});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("serve.toml:7:1 and serve.toml:15:1"), std::string::npos)
      << twice.error().message;
  // Without a `where`, the file names the source.
  auto files = auth::check_distinct_origins(
      {source("a.test.", "a.zone", ""), source("a.test.", "b.zone", "")});
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find("a.zone and b.zone"), std::string::npos)
      << files.error().message;
}

class LoadZones : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("mxkit-dns-limits-" + std::to_string(::getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

TEST_F(LoadZones, BrokenZoneLeftOutAndNamedOthersLoaded) {
  std::vector<auth::ZoneSource> sources = {
      {*dns::Name::from_text("example.test."), write("good.zone", kHead), {}, "--zone good"},
      {*dns::Name::from_text("example.test."),
       write("bad.zone", with("x A 192.0.2.1\nx CNAME ns1\n")),
       {},
       "--zone bad"}};
  sources[1].origin = *dns::Name::from_text("bad.test.");
  // bad.zone's $ORIGIN says example.test.: served as bad.test. its SOA is elsewhere.
  auto load = auth::load_zones(sources);
  ASSERT_EQ(load.set->size(), 1u);
  ASSERT_EQ(load.refused.size(), 1u);
  EXPECT_EQ(load.refused[0].origin.to_text(), "bad.test.");
  EXPECT_EQ(load.refused[0].place, "--zone bad");
  auto text = auth::format_refused(load.refused[0], " ");
  EXPECT_NE(text.find("zone bad.test. (--zone bad): "), std::string::npos) << text;
  EXPECT_NE(text.find("[origin-mismatch]"), std::string::npos) << text;
}

TEST_F(LoadZones, ReloadKeepsThePreviousCopyOfARefusedZone) {
  auto file = write("z.zone", kHead);
  std::vector<auth::ZoneSource> sources = {
      {*dns::Name::from_text("example.test."), file, {}, "--zone z"}};
  auto first = auth::load_zones(sources);
  ASSERT_TRUE(first.refused.empty());
  ASSERT_EQ(first.set->size(), 1u);
  write("z.zone", with("mail1 A 192.0.2.25\nmail1 CNAME foo\n"));
  auto again = auth::load_zones(sources, &first);
  ASSERT_EQ(again.refused.size(), 1u);
  EXPECT_NE(again.refused[0].reasons.at(0).find("[cname-and-other-data]"), std::string::npos);
  ASSERT_EQ(again.set->size(), 1u);
  EXPECT_EQ(again.set->zones()[0], first.set->zones()[0]);  // the very same old copy
  EXPECT_TRUE(again.refused[0].previous_copy);
  // Without a previous set (at start), nothing is served for it.
  EXPECT_EQ(auth::load_zones(sources).set->size(), 0u);
  // A parse error is a refusal too, with its place.
  write("z.zone", with("bad A 192.0.2.300\n"));
  auto parse = auth::load_zones(sources, &first);
  ASSERT_EQ(parse.refused.size(), 1u);
  EXPECT_NE(parse.refused[0].reasons.at(0).find("z.zone:6:"), std::string::npos)
      << parse.refused[0].reasons.at(0);
}

// A query for example.test. SOA with an OPT record whose rdata is `rdata`.
std::vector<std::uint8_t> query_with_opt(const std::vector<std::uint8_t>& rdata) {
  std::vector<std::uint8_t> q = {0x12,
                                 0x34,
                                 0x00,
                                 0x00,
                                 0,
                                 1,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 1,
                                 7,
                                 'e',
                                 'x',
                                 'a',
                                 'm',
                                 'p',
                                 'l',
                                 'e',
                                 4,
                                 't',
                                 'e',
                                 's',
                                 't',
                                 0,
                                 0,
                                 6,
                                 0,
                                 1,  // SOA IN
                                 0,
                                 0,
                                 41,
                                 0x04,
                                 0xd0,
                                 0,
                                 0,
                                 0,
                                 0,  // root OPT, payload 1232
                                 static_cast<std::uint8_t>(rdata.size() >> 8),
                                 static_cast<std::uint8_t>(rdata.size())};
  q.insert(q.end(), rdata.begin(), rdata.end());
  return q;
}

struct EdnsCase {
  const char* what;
  std::vector<std::uint8_t> rdata;
  auth::QueryParse parse;
  std::uint16_t rcode;
};

TEST(EdnsOptions, MalformedOptionLengthIsFormerr) {
  const EdnsCase cases[] = {
      {"no options", {}, auth::QueryParse::ok, dns::rcode::NOERROR},
      {"a cookie of 8 octets",
       {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8},
       auth::QueryParse::ok,
       dns::rcode::NOERROR},
      {"two options",
       {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 0},
       auth::QueryParse::ok,
       dns::rcode::NOERROR},
      {"option length past the rdata",
       {0, 10, 0, 8, 1, 2, 3, 4},
       auth::QueryParse::formerr,
       dns::rcode::FORMERR},
      {"second option past the rdata",
       {0, 12, 0, 0, 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8},
       auth::QueryParse::formerr,
       dns::rcode::FORMERR},
      {"half an option header", {0, 10}, auth::QueryParse::formerr, dns::rcode::FORMERR},
      {"length 65535 with no data",
       {0, 10, 0xff, 0xff},
       auth::QueryParse::formerr,
       dns::rcode::FORMERR},
  };
  auth::ZoneSet zones;
  zones.add(mxkit::test_support::zone_from_text("example.test.", kHead));
  for (const auto& c : cases) {
    auto wire = query_with_opt(c.rdata);
    auth::Query q;
    std::string why;
    EXPECT_EQ(auth::parse_query(wire, q, why), c.parse) << c.what;
    if (c.parse == auth::QueryParse::formerr) {
      EXPECT_NE(why.find("RFC 6891"), std::string::npos) << c.what << ": " << why;
    }
    std::vector<std::uint8_t> out(1232);
    auto result = auth::answer_query(zones, wire, out, false, {});
    ASSERT_GT(result.size, 0u) << c.what;
    EXPECT_EQ(result.rcode, c.rcode) << c.what;
    EXPECT_EQ(out[3] & 0x0F, c.rcode) << c.what;  // in the header as sent
  }
}

TEST(TcpClientLimit, DefaultIsAnEighthOfTheTotalAtMost64) {
  EXPECT_EQ(auth::default_tcp_per_client(512), 64u);
  EXPECT_EQ(auth::default_tcp_per_client(4096), 64u);
  EXPECT_EQ(auth::default_tcp_per_client(100), 12u);
  EXPECT_EQ(auth::default_tcp_per_client(4), 1u);
}

TEST(TcpClientLimit, OneClientAtItsCapLeavesOthersRoom) {
  auth::TcpClientLimit limit(3);
  const std::uint8_t a[4] = {127, 0, 0, 2}, b[4] = {127, 0, 0, 3};
  const auto ka = auth::TcpClientLimit::client_key(a), kb = auth::TcpClientLimit::client_key(b);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limit.acquire(ka));
  EXPECT_FALSE(limit.acquire(ka));
  EXPECT_FALSE(limit.acquire(ka));
  EXPECT_EQ(limit.connections(ka), 3u);
  EXPECT_TRUE(limit.acquire(kb));
  limit.release(ka);
  EXPECT_TRUE(limit.acquire(ka));  // a freed place can be taken again
  for (int i = 0; i < 3; ++i) limit.release(ka);
  limit.release(kb);
  EXPECT_EQ(limit.clients(), 0u);  // no entry left behind for clients gone
}

TEST(TcpClientLimit, Ipv6ClientIsItsSlash64) {
  auth::TcpClientLimit limit(1);
  std::uint8_t x[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  std::uint8_t y[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0xff, 0, 0, 0, 0, 0, 0, 2};
  std::uint8_t z[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_TRUE(limit.acquire(auth::TcpClientLimit::client_key(x)));
  EXPECT_FALSE(limit.acquire(auth::TcpClientLimit::client_key(y)));  // same /64
  EXPECT_TRUE(limit.acquire(auth::TcpClientLimit::client_key(z)));   // another /64
}

}  // namespace
