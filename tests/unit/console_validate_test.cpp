// Records ↔ zone text, the validation before a save, and the serial a save moves to: tables.
#include <algorithm>

#include <gtest/gtest.h>

#include "console/records.hpp"
#include "console/serial.hpp"
#include "console/validate.hpp"

namespace mxkit::console {
namespace {

using namespace std::chrono;

dns::Name zone_name() { return *parse_zone_name("example.test"); }

Record rec(std::string name, std::string type, std::string value,
           std::optional<std::uint16_t> priority = std::nullopt, std::uint32_t ttl = 3600) {
  Record r;
  r.name = std::move(name);
  r.type = std::move(type);
  r.value = std::move(value);
  r.priority = priority;
  r.ttl = ttl;
  return r;
}

// A zone that passes every check: SOA, NS with its address, an MX with its address.
std::vector<Record> base_zone() {
  return {rec("example.test.", "SOA",
              "ns1.example.test. hostmaster.example.test. 2026120500 3600 900 1209600 300"),
          rec("example.test.", "NS", "ns1.example.test."),
          rec("ns1.example.test.", "A", "192.0.2.53"),
          rec("example.test.", "MX", "mail.example.test.", 10),
          rec("mail.example.test.", "A", "192.0.2.25")};
}

TEST(ZoneName, IsLowercasedAndAbsolute) {
  EXPECT_EQ(parse_zone_name("Example.TEST")->to_text(), "example.test.");
  EXPECT_EQ(parse_zone_name("example.test.")->to_text(), "example.test.");
  EXPECT_FALSE(parse_zone_name(""));
  EXPECT_FALSE(parse_zone_name("."));
  EXPECT_FALSE(parse_zone_name("a..b"));
}

struct NormalCase {
  Record in;
  Record out;
};

TEST(NormalizeRecord, TakesTheParsersForm) {
  const NormalCase cases[] = {
      {rec("@", "mx", "MAIL", 10), rec("example.test.", "MX", "MAIL.example.test.", 10)},
      {rec("WWW", "A", "192.0.2.1"), rec("www.example.test.", "A", "192.0.2.1")},
      {rec("v6.example.test.", "AAAA", "2001:DB8::1"),
       rec("v6.example.test.", "AAAA", "2001:db8::1")},
      {rec("_sip._tcp", "SRV", "5   5060 sip", 0),
       rec("_sip._tcp.example.test.", "SRV", "5 5060 sip.example.test.", 0)},
      {rec("@", "TXT", "\"v=spf1 -all\""), rec("example.test.", "TXT", "\"v=spf1 -all\"")},
      {rec("@", "CAA", "0 issue \"ca.test\""), rec("example.test.", "CAA", "0 issue \"ca.test\"")},
      {rec("@", "TYPE65534", "\\# 2 abcd"), rec("example.test.", "TYPE65534", "\\# 2 ABCD")},
      {rec("@", "MX", ".", 0), rec("example.test.", "MX", ".", 0)},
  };
  for (const auto& c : cases) {
    auto got = normalize_record(c.in, zone_name());
    ASSERT_TRUE(got) << record_line(c.in) << ": " << got.error().message;
    EXPECT_EQ(record_line(*got), record_line(c.out));
  }
}

struct RefusalCase {
  Record in;
  std::string field;
  std::string message_part;
};

TEST(NormalizeRecord, RefusesWithTheFieldAndTheParsersReason) {
  const RefusalCase cases[] = {
      {rec("@", "A", "192.0.2.300"), "value", ""},
      {rec("@", "A", "mail.example.test."), "value", ""},
      {rec("@", "AAAA", "192.0.2.1"), "value", ""},
      {rec("@", "MX", "mail.example.test."), "priority", "needs a priority"},
      {rec("@", "A", "192.0.2.1", 5), "priority", "only MX and SRV"},
      {rec("@", "SRV", "5 sip.example.test.", 1), "value", ""},
      {rec("@", "CAA", "0 issue"), "value", ""},
      {rec("@", "SSHFP", "1 1 zz"), "value", ""},
      {rec("@", "TXT", "\"a\"\n@ 3600 IN A 192.0.2.9"), "value", "line break"},
      {rec("@", "A", "   "), "value", "empty"},
      {rec("@", "A", "192.0.2.1 ( 192.0.2.2"), "value", ""},
      {rec("@", "BOGUS", "1"), "type", "not a record type"},
      {rec("@", "ANY", "1"), "type", "cannot be stored"},
      {rec("", "A", "192.0.2.1"), "name", "empty"},
      {rec("a..b", "A", "192.0.2.1"), "name", ""},
  };
  for (const auto& c : cases) {
    auto got = normalize_record(c.in, zone_name());
    ASSERT_FALSE(got) << record_line(c.in) << " was accepted as " << record_line(*got);
    EXPECT_EQ(got.error().field, c.field) << record_line(c.in) << ": " << got.error().message;
    EXPECT_FALSE(got.error().message.empty());
    EXPECT_NE(got.error().message.find(c.message_part), std::string::npos) << got.error().message;
  }
}

TEST(ZoneText, ImportsAndExportsThroughTheZoneParser) {
  const std::string text =
      "$TTL 300\n"
      "@ IN SOA ns1 hostmaster 7 3600 900 1209600 300\n"
      "  IN NS ns1\n"
      "  IN MX 10 mail\n"
      "ns1 IN A 192.0.2.53\n"
      "mail 600 IN A 192.0.2.25\n";
  auto records = records_from_zone_text(text, zone_name());
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ(record_line((*records)[2]), "example.test. 300 IN MX 10 mail.example.test.");
  EXPECT_EQ(soa_serial((*records)[0].value), std::optional<std::uint32_t>(7));
  const auto exported = export_zone_text(Zone{"example.test.", 7, {}, {}}, *records);
  auto again = records_from_zone_text(exported, zone_name());
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(again->size(), records->size());
  auto lines = [](const std::vector<Record>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) out.push_back(record_line(r));
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(lines(*again), lines(*records));
  EXPECT_EQ(exported.find("$ORIGIN example.test.\n"), 0u);
}

TEST(ZoneText, RefusesBadTextWithLineAndColumnAndNoIncludes) {
  auto bad = records_from_zone_text("@ IN SOA ns1 hostmaster 1 2 3 4 5\nwww IN A 192.0.2.300\n",
                                    zone_name());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "zone_text");
  EXPECT_NE(bad.error().message.find("zone_text:2:"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(records_from_zone_text("$INCLUDE /etc/passwd\n", zone_name()));
}

TEST(Soa, SerialIsReplacedInPlace) {
  EXPECT_EQ(soa_with_serial("a. b. 1 2 3 4 5", 2026120501), "a. b. 2026120501 2 3 4 5");
  EXPECT_EQ(soa_serial("a. b. 42 2 3 4 5"), std::optional<std::uint32_t>(42));
  EXPECT_FALSE(soa_serial("a. b."));
}

struct SerialCase {
  std::uint32_t current;
  year_month_day today;
  std::uint32_t next;
};

TEST(Serial, DateFormOrIncrementNeverBackwards) {
  const auto dec5 = year{2026} / December / 5;
  const SerialCase cases[] = {
      {0, dec5, 2026120500},           // a new zone starts at today's first
      {2026120400, dec5, 2026120500},  // yesterday's → today's first
      {2026120500, dec5, 2026120501},  // today's → the next
      {2026120599, dec5, 2026120600},  // 100 saves in a day run into tomorrow's
      {2026120700, dec5, 2026120701},  // from a later date: increment, never back
      {7, dec5, 8},                    // not a date: increment
      {4294967295u, dec5, 1},          // wraps, skipping 0 (RFC 1982 §3.1)
      {2026023000, dec5, 2026023001},  // Feb 30th is no date: increment
      {1999010100, year{2026} / January / 1, 2026010100},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(next_serial(c.current, c.today), c.next) << c.current;
    if (c.current != 0) {
      EXPECT_TRUE(serial_less(c.current, next_serial(c.current, c.today)));
    }
  }
  EXPECT_TRUE(serial_less(4294967295u, 1));
  EXPECT_FALSE(serial_less(5, 5));
}

struct DraftCase {
  RecordDraft draft;
  std::string code;
  std::string field;
};

TEST(CheckDraft, RangesAndValues) {
  const DraftCase cases[] = {
      {{0, "@", 3600, "MX", 65536, "mail"}, "priority-range", "priority"},
      {{0, "@", 3600, "MX", -1, "mail"}, "priority-range", "priority"},
      {{0, "@", -5, "A", {}, "192.0.2.1"}, "ttl-range", "ttl"},
      {{0, "@", 2147483648, "A", {}, "192.0.2.1"}, "ttl-range", "ttl"},
      {{0, "@", 3600, "A", {}, "not-an-address"}, "bad-value", "value"},
      {{0, "@", 3600, "NOPE", {}, "x"}, "bad-type", "type"},
  };
  for (const auto& c : cases) {
    auto got = check_draft(c.draft, zone_name());
    ASSERT_FALSE(got) << c.code;
    EXPECT_EQ(got.error().code, c.code);
    EXPECT_EQ(got.error().field, c.field);
  }
  auto ok = check_draft({0, "@", {}, "MX", 65535, "mail"}, zone_name());
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->ttl, kDefaultTtl);
}

struct ZoneCase {
  std::string what;
  std::vector<Record> extra;
  std::string code;
  std::string field;
  enum { error, warning, notice } level;
};

TEST(CheckZone, TheBaseZoneIsClean) {
  auto f = check_zone_records(zone_name(), base_zone());
  EXPECT_TRUE(f.empty()) << (f.errors.empty() ? "" : f.errors[0].message);
}

TEST(CheckZone, FindsEachMistakeAtItsRecordAndField) {
  const ZoneCase cases[] = {
      {"MX to an IP",
       {rec("example.test.", "MX", "192.0.2.1.example.test.", 20)},
       "",
       "",
       ZoneCase::error},
      {"MX to a CNAME",
       {rec("alias.example.test.", "CNAME", "mail.example.test."),
        rec("example.test.", "MX", "alias.example.test.", 20)},
       "target-is-alias",
       "value",
       ZoneCase::error},
      {"MX to a name without address",
       {rec("example.test.", "MX", "nowhere.example.test.", 20)},
       "target-no-address",
       "value",
       ZoneCase::error},
      {"null MX beside another",
       {rec("example.test.", "MX", ".", 0)},
       "null-mx-mixed",
       "value",
       ZoneCase::error},
      {"CNAME beside other data",
       {rec("mail.example.test.", "CNAME", "example.test.")},
       "cname-and-other-data",
       "type",
       ZoneCase::error},
      {"outside the zone",
       {rec("www.other.test.", "A", "192.0.2.1")},
       "out-of-zone",
       "name",
       ZoneCase::error},
      {"a duplicate",
       {rec("mail.example.test.", "A", "192.0.2.25")},
       "duplicate-record",
       "value",
       ZoneCase::warning},
      {"a long MX TTL",
       {rec("example.test.", "MX", "mail.example.test.", 20, 604800)},
       "mx-ttl-long",
       "ttl",
       ZoneCase::warning},
      {"equal priorities",
       {rec("mx2.example.test.", "A", "192.0.2.26"),
        rec("example.test.", "MX", "mx2.example.test.", 10)},
       "mx-equal-priority",
       "priority",
       ZoneCase::notice},
  };
  for (const auto& c : cases) {
    auto records = base_zone();
    records.insert(records.end(), c.extra.begin(), c.extra.end());
    auto f = check_zone_records(zone_name(), records);
    const auto& list = c.level == ZoneCase::error     ? f.errors
                       : c.level == ZoneCase::warning ? f.warnings
                                                      : f.notices;
    if (c.code.empty()) {  // a name that looks like an address
      EXPECT_FALSE(f.errors.empty()) << c.what;
      continue;
    }
    bool found = false;
    for (const auto& x : list)
      if (x.code == c.code) {
        found = true;
        EXPECT_EQ(x.field, c.field) << c.what;
        ASSERT_TRUE(x.record) << c.what;
        EXPECT_FALSE(x.message.empty());
      }
    EXPECT_TRUE(found) << c.what << ": no " << c.code;
  }
}

TEST(CheckZone, TargetIsIpLiteralAndNullMxPreference) {
  auto records = base_zone();
  records[3] = rec("example.test.", "MX", "192.0.2.1.", 10);
  auto f = check_zone_records(zone_name(), records);
  ASSERT_FALSE(f.errors.empty());
  EXPECT_EQ(f.errors[0].code, "target-is-ip-literal");
  records = base_zone();
  records[3] = rec("example.test.", "MX", ".", 10);
  f = check_zone_records(zone_name(), records);
  bool found = false;
  for (const auto& w : f.warnings)
    found = found || (w.code == "null-mx-preference" && w.field == "priority");
  EXPECT_TRUE(found);
}

TEST(CheckZone, MissingSoaAndNs) {
  auto f = check_zone_records(zone_name(), {rec("www.example.test.", "A", "192.0.2.1")});
  ASSERT_FALSE(f.errors.empty());
  EXPECT_EQ(f.errors[0].code, "no-soa");
}

// Targets outside the zone: which names the edge is asked to look up, and what its answers do.
TEST(CheckZone, OutsideTargetsToLookUp) {
  auto records = base_zone();
  records.push_back(rec("example.test.", "MX", "MX.Elsewhere.NET.", 20));
  records.push_back(rec("example.test.", "MX", "mx.elsewhere.net.", 30));  // once
  records.push_back(rec("example.test.", "NS", "ns.elsewhere.net."));
  records.push_back(rec("_sip._tcp.example.test.", "SRV", "5 5060 sip.elsewhere.net.", 0));
  records.push_back(rec("other.example.test.", "MX", ".", 0));                 // null MX: no target
  records.push_back(rec("ip.example.test.", "MX", "192.0.2.1.", 10));          // an IP literal's
  records.push_back(rec("www.example.test.", "CNAME", "www.elsewhere.net."));  // not a target
  EXPECT_EQ(
      outside_targets(zone_name(), records),
      (std::vector<std::string>{"mx.elsewhere.net.", "ns.elsewhere.net.", "sip.elsewhere.net."}));
  EXPECT_TRUE(outside_targets(zone_name(), base_zone()).empty());
}

TEST(CheckZone, OutsideTargetAnswers) {
  using State = TargetAddress::State;
  auto records = base_zone();
  records.push_back(rec("example.test.", "MX", "good.elsewhere.net.", 20));
  records.push_back(rec("example.test.", "MX", "none.elsewhere.net.", 30));
  records.push_back(rec("example.test.", "MX", "slow.elsewhere.net.", 40));
  records.push_back(rec("example.test.", "MX", "unasked.elsewhere.net.", 50));
  const TargetAddresses targets = {
      {"good.elsewhere.net.", {State::has_address, ""}},
      {"none.elsewhere.net.", {State::no_address, "A nxdomain, AAAA nxdomain"}},
      {"slow.elsewhere.net.", {State::unverified, "A timeout, AAAA timeout"}},
  };
  // Without lookups (serve without resolver options): nothing said about outside targets.
  const auto plain = check_zone_records(zone_name(), records);
  EXPECT_TRUE(plain.errors.empty() && plain.warnings.empty() && plain.notices.empty());

  const auto f = check_zone_records(zone_name(), records, &targets);
  EXPECT_TRUE(f.errors.empty());
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_EQ(f.warnings[0].code, "target-no-address");
  EXPECT_EQ(f.warnings[0].field, "value");
  ASSERT_TRUE(f.warnings[0].record && f.warnings[0].index);
  EXPECT_EQ(f.warnings[0].record->value, "none.elsewhere.net.");
  EXPECT_EQ(*f.warnings[0].index, base_zone().size() + 1);
  EXPECT_NE(f.warnings[0].message.find("nxdomain"), std::string::npos) << f.warnings[0].message;
  ASSERT_EQ(f.notices.size(), 1u);
  EXPECT_EQ(f.notices[0].code, "target-not-verified");
  EXPECT_EQ(f.notices[0].record->value, "slow.elsewhere.net.");
}

}  // namespace
}  // namespace mxkit::console
