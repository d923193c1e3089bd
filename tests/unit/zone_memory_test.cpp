// Per-zone memory accounting (issue 11): a small zone costs about what its records need, on the
// heap, without huge pages; a big one gets huge pages and stays within twice its content.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "auth/zone.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"
#include "zone_from_text.hpp"

namespace {

using mxkit::dns::zone::CollectingSink;
using mxkit::dns::zone::RecordTable;

constexpr const char* kSmallZone = R"($TTL 3600
@     SOA  ns1 hostmaster 1 7200 3600 1209600 3600
@     NS   ns1
@     NS   ns2
ns1   A    192.0.2.1
ns2   A    192.0.2.2
@     A    192.0.2.10
www   A    192.0.2.10
@     MX   10 mail
mail  A    192.0.2.25
@     TXT  "v=spf1 mx -all"
)";

CollectingSink parse(const std::string& text, std::size_t file_bytes = 0) {
  CollectingSink sink;
  sink.records.reserve_for_file(file_bytes);
  mxkit::dns::zone::ParseOptions options;
  options.origin = *mxkit::dns::Name::from_text("small.test.");
  mxkit::dns::zone::parse_zone_text(text, "test zone", options, sink);
  EXPECT_TRUE(sink.diagnostics.empty());
  return sink;
}

TEST(ZoneMemory, TenRecordZoneTakesAFewKilobytes) {
  CollectingSink sink = parse(kSmallZone, std::string(kSmallZone).size());
  const RecordTable& table = sink.records;
  ASSERT_EQ(table.size(), 10u);
  // 10 entries of 24 octets and about 200 octets of names and rdata, doubled at most.
  EXPECT_LE(table.capacity_bytes(), 1024u) << table.used_bytes();
  EXPECT_GE(table.capacity_bytes(), table.used_bytes());
  EXPECT_FALSE(table.huge_pages());

  auto zone = mxkit::test_support::zone_from_text("small.test.", kSmallZone);
  ASSERT_TRUE(zone);
  // Was about 4 MiB a zone (two huge pages committed on first touch); a NSD-sized budget.
  EXPECT_LE(zone->memory_bytes(), 1536u);
  EXPECT_FALSE(zone->records().huge_pages());
}

TEST(ZoneMemory, BigZoneGetsHugePagesAndStaysProportional) {
  // 150,000 names × 2 records: about 10 MiB of text, past the huge-page threshold once stored.
  std::string text = "$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n@ NS ns1\n";
  for (int i = 0; i < 150000; ++i)
    text += fmt::format("host{} A 198.51.{}.{}\nhost{} TXT \"a text record of some length\"\n", i,
                        i / 256 % 256, i % 256, i);
  CollectingSink sink = parse(text, text.size());
  const RecordTable& table = sink.records;
  ASSERT_EQ(table.size(), 300002u);
  EXPECT_TRUE(table.huge_pages());
  EXPECT_LE(table.capacity_bytes(), 2 * table.used_bytes() + (std::size_t{4} << 20));
  // Reserved from the file's size, then grown: the entries all came back intact.
  const auto& last = table.entry(table.size() - 1);
  EXPECT_EQ(last.type, 16);
  EXPECT_EQ(table.rdata(last).size(), 29u);
}

TEST(ZoneMemory, GrowsPastAReserveThatGuessedLow) {
  // A file of relative names expands: a 100-octet reserve guess must not limit the table.
  std::string text = "$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n";
  for (int i = 0; i < 20000; ++i) text += fmt::format("a{} A 192.0.2.1\n", i);
  CollectingSink sink = parse(text, 100);
  EXPECT_EQ(sink.records.size(), 20001u);
  EXPECT_LE(sink.records.capacity_bytes(), 2 * sink.records.used_bytes() + 8192);
}

}  // namespace
