// The semantic zone checks: for each small zone, the exact findings (code and line) expected,
// and zones a demanding checker must pass in silence; plus the index's canonical order.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dns/name.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"
#include "dns/zonecheck/zone_index.hpp"
#include "dns/zonecheck/zonecheck.hpp"

namespace dns = mxkit::dns;
namespace zone = mxkit::dns::zone;
namespace zonecheck = mxkit::dns::zonecheck;

namespace {

using Lines = std::vector<std::string>;

// Lines 1-6 of most cases: a complete apex. Case text starts on line 7.
constexpr const char* kHead =
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "@ NS ns2\n"
    "ns1 A 192.0.2.1\n"
    "ns2 A 192.0.2.2\n";

struct Checked {
  Lines parse;     // parser diagnostics: the cases are meant to parse cleanly
  Lines findings;  // "code@line", sorted
  std::vector<zone::Diagnostic> diagnostics;
};

Checked check(const std::string& text, const char* origin = "example.", bool origin_given = true) {
  zone::ParseOptions options;
  options.origin = *dns::Name::from_text(origin_given ? origin : ".");
  zone::CollectingSink sink;
  zone::parse_zone_text(text, "t.zone", options, sink);
  Checked out;
  for (const auto& d : sink.diagnostics) out.parse.push_back(zone::format_diagnostic(d));
  out.diagnostics = zonecheck::check_zone(sink.records, options.origin.wire(), origin_given, "t.zone");
  for (const auto& d : out.diagnostics) out.findings.push_back(fmt::format("{}@{}", d.code, d.line));
  std::sort(out.findings.begin(), out.findings.end());
  return out;
}

struct Case {
  const char* what;
  std::string text;
  Lines findings;  // "code@line"
};

std::string head(const char* rest) { return std::string(kHead) + rest; }

const Case kCases[] = {
    // Zones that must pass in silence.
    {"clean_mail_zone",
     head("@ MX 10 mail\n"
          "@ MX 20 mail2.example.net.\n"
          "mail A 192.0.2.10\n"
          "mail AAAA 2001:db8::10\n"
          "www CNAME @\n"
          "_sip._tcp SRV 0 5 5060 mail\n"
          "_none._tcp SRV 0 0 0 .\n"
          "@ TXT \"v=spf1 mx -all\"\n"),
     {}},
    {"clean_wildcard",
     head("*.example. MX 10 mail\n"
          "* A 192.0.2.20\n"
          "mail A 192.0.2.10\n"
          "*.hosts A 192.0.2.30\n"
          "@ MX 20 box.hosts\n"  // exists only through the wildcard, which has an A
          "sub.*.deep TXT \"below a wildcard\"\n"),
     {}},
    {"clean_delegation_with_glue",
     head("child NS ns1.child\n"
          "child NS ns.elsewhere.net.\n"
          "child DS 12345 8 2 "
          "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE8A5F0F1BBEFA93F2E1E8B17B\n"
          "ns1.child A 192.0.2.53\n"
          "ns1.child AAAA 2001:db8::53\n"
          "other NS ns.child\n"  // sibling glue is optional: reached through child's referral
          "@ NS ns3.child\n"),   // likewise for the apex's own NS
     {}},
    {"clean_null_mx_alone",
     head("@ MX 0 .\n"
          "nomail MX 0 .\n"
          "nomail A 192.0.2.9\n"),
     {}},
    {"clean_cname_beside_nsec",
     head("www CNAME mail\n"
          "www NSEC zz.example. CNAME RRSIG NSEC\n"
          "mail A 192.0.2.10\n"),
     {}},
    {"clean_split_name",
     head("mail A 192.0.2.10\n"
          "other A 192.0.2.11\n"
          "mail AAAA 2001:db8::10\n"  // same name again, further down
          "MAIL TXT \"case differs, same name\"\n"),
     {}},

    // The apex.
    {"no_soa", "$TTL 3600\n@ NS ns1\nns1 A 192.0.2.1\n", {"no-soa@2"}},
    {"multiple_soa",
     head("@ SOA ns2 hostmaster 2024010102 7200 3600 1209600 300\n"),
     {"multiple-soa@7"}},
    {"repeated_soa_is_a_duplicate",
     head("@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"),
     {"duplicate-record@7"}},
    {"soa_not_at_apex",
     head("sub SOA ns1 hostmaster 1 7200 3600 1209600 300\n"),
     {"soa-not-at-apex@7"}},
    {"soa_serial_zero",
     "$TTL 3600\n@ SOA ns1 hostmaster 0 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n",
     {"soa-serial-zero@2"}},
    {"no_apex_ns",
     "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\nns1 A 192.0.2.1\n",
     {"no-apex-ns@2"}},
    {"empty_zone", "", {"no-apex-ns@1", "no-soa@1"}},

    // Out of zone.
    {"out_of_zone",
     head("www.example.org. A 192.0.2.1\n"
          "www.example.org. TXT \"reported once per name\"\n"),
     {"out-of-zone@7"}},

    // Aliases.
    {"cname_and_other_data",
     head("www CNAME mail\n"
          "mail A 192.0.2.10\n"
          "www A 192.0.2.7\n"),
     {"cname-and-other-data@9"}},
    {"cname_and_other_data_split_across_file",
     head("www TXT \"first\"\n"
          "mail A 192.0.2.10\n"
          "www CNAME mail\n"),
     {"cname-and-other-data@9"}},
    {"cname_at_apex",
     head("@ CNAME elsewhere.net.\n"),
     {"cname-and-other-data@7"}},
    {"multiple_cname",
     head("www CNAME a\n"
          "www CNAME b\n"
          "a A 192.0.2.3\n"
          "b A 192.0.2.4\n"),
     {"multiple-cname@8"}},
    {"multiple_dname",
     head("old DNAME example.net.\n"
          "old DNAME example.com.\n"),
     {"multiple-dname@8"}},
    {"below_dname",
     head("old DNAME example.net.\n"
          "host.old A 192.0.2.5\n"),
     {"below-dname@8"}},

    // MX, NS and SRV targets.
    {"mx_target_cname",
     head("@ MX 10 mailalias\n"
          "mailalias CNAME mail\n"
          "mail A 192.0.2.10\n"),
     {"target-is-alias@7"}},
    {"ns_target_cname",
     head("@ NS nsalias\n"
          "nsalias CNAME ns1\n"),
     {"target-is-alias@7"}},
    {"mx_target_wildcard_cname",
     head("*.alias CNAME mail\n"
          "mail A 192.0.2.10\n"
          "@ MX 10 x.alias\n"),
     {"target-is-alias@9"}},
    {"mx_target_below_dname",
     head("old DNAME example.net.\n"
          "@ MX 10 mail.old\n"),
     {"target-is-alias@8"}},
    {"mx_target_ip_literal",
     head("@ MX 10 192.0.2.1.\n"
          "a MX 10 192.0.2.1\n"  // no trailing dot: 192.0.2.1.example.
          "b MX 10 2001:db8::1.\n"),
     {"target-is-ip-literal@7", "target-is-ip-literal@8", "target-is-ip-literal@9"}},
    {"target_without_address",
     head("@ MX 10 txtonly\n"
          "@ MX 20 missing\n"
          "txtonly TXT \"no address here\"\n"
          "a.b.c A 192.0.2.6\n"
          "@ MX 30 b.c\n"),  // an empty non-terminal
     {"target-no-address@11", "target-no-address@7", "target-no-address@8"}},
    {"ns_target_without_address", head("@ NS ns3\n"), {"target-no-address@7"}},
    {"srv_targets",
     head("_sip._tcp SRV 0 5 5060 sipalias\n"
          "sipalias CNAME ns1\n"
          "_xmpp._tcp SRV 0 5 5222 nohost\n"),
     {"target-is-alias@7", "target-no-address@9"}},
    {"bad_hostname",
     head("my_host A 192.0.2.1\n"
          "@ MX 10 mail_1\n"
          "mail_1 A 192.0.2.2\n"
          "*.wild A 192.0.2.3\n"),  // a wildcard owner is fine
     {"bad-hostname@8", "bad-hostname@9", "bad-hostname@7"}},

    // Null MX (RFC 7505).
    {"null_mx_mixed",
     head("@ MX 0 .\n"
          "@ MX 10 mail\n"
          "mail A 192.0.2.10\n"),
     {"null-mx-mixed@7"}},
    {"null_mx_preference", head("@ MX 10 .\n"), {"null-mx-preference@7"}},

    // RRsets.
    {"ttl_mismatch",
     head("mail 300 A 192.0.2.10\n"
          "mail 600 A 192.0.2.11\n"
          "mail 900 AAAA 2001:db8::1\n"),
     {"ttl-mismatch@8"}},
    {"duplicate_record",
     head("mail A 192.0.2.10\n"
          "mail A 192.0.2.10\n"
          "@ NS NS1.example.\n"),  // names in rdata compare without case
     {"duplicate-record@8", "duplicate-record@9"}},

    // Delegations.
    {"missing_glue",
     head("child NS ns1.child\n"
          "child NS ns2.child\n"
          "ns2.child A 192.0.2.54\n"),
     {"missing-glue@7"}},
    {"delegation_to_server_without_address",
     head("child NS ns3\n"),  // not below the cut: the address is this zone's own data
     {"target-no-address@7"}},
    {"occluded_data",
     head("child NS ns.elsewhere.net.\n"
          "www.child A 192.0.2.1\n"
          "child MX 10 mail\n"
          "child TXT \"the child's\"\n"
          "deeper.www.child NS ns.elsewhere.net.\n"),
     {"occluded-data@8", "occluded-data@9", "occluded-data@11"}},
    {"glue_below_cut_is_not_occluded",
     head("child NS child\n"
          "child A 192.0.2.8\n"),  // the server is the cut's own name: its A is glue
     {}},
    {"ds_not_at_delegation",
     head("www DS 12345 8 2 "
          "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE8A5F0F1BBEFA93F2E1E8B17B\n"
          "www A 192.0.2.5\n"),
     {"ds-not-at-delegation@7"}},
};

class ZoneCheckCase : public ::testing::TestWithParam<Case> {};

TEST_P(ZoneCheckCase, Findings) {
  const Case& c = GetParam();
  auto result = check(c.text);
  EXPECT_EQ(result.parse, Lines{}) << "the case should parse cleanly";
  Lines expected = c.findings;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(result.findings, expected);
}

INSTANTIATE_TEST_SUITE_P(Table, ZoneCheckCase, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return std::string(test.param.what); });

TEST(ZoneCheck, FindingsAreDiagnosticsInFileOrder) {
  auto result = check(head("@ MX 10 192.0.2.1.\n"
                           "mail 300 A 192.0.2.10\n"
                           "mail 600 A 192.0.2.11\n"));
  ASSERT_EQ(result.diagnostics.size(), 2u);
  const auto& first = result.diagnostics[0];
  EXPECT_EQ(first.file, "t.zone");
  EXPECT_EQ(first.line, 7u);
  EXPECT_EQ(first.column, 1u);
  EXPECT_EQ(first.severity, zone::Severity::error);
  EXPECT_EQ(zone::format_diagnostic(first),
            "t.zone:7:1: error: MX target \"192.0.2.1.\" is the IP address 192.0.2.1 written as "
            "a name; the target must be the name of a host with A/AAAA records (RFC 2181 §10.3) "
            "[target-is-ip-literal]");
  EXPECT_EQ(result.diagnostics[1].line, 9u);
  EXPECT_EQ(result.diagnostics[1].severity, zone::Severity::warning);
  EXPECT_EQ(result.diagnostics[1].code, "ttl-mismatch");
}

TEST(ZoneCheck, OutOfZoneMessageSaysBindIgnoresIt) {
  auto result = check(head("www.example.org. A 192.0.2.1\n"));
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_NE(result.diagnostics[0].message.find("BIND ignores"), std::string::npos);
}

TEST(ZoneCheck, ApexFromFirstSoaWithoutOrigin) {
  auto result = check("$ORIGIN example.\n" + head("@ MX 10 ns1\n"), "example.", false);
  EXPECT_EQ(result.parse, Lines{});
  EXPECT_EQ(result.findings, Lines{});
}

TEST(ZoneCheck, GivenOriginDecidesTheApex) {
  // The file's data is for example., the check was asked about example.net.
  auto result = check("$ORIGIN example.\n" + head(""), "example.net.", true);
  // What the apex lacks is reported at the zone's first record.
  Lines expected = {"no-apex-ns@3", "no-soa@3", "out-of-zone@3", "out-of-zone@6", "out-of-zone@7"};
  EXPECT_EQ(result.findings, expected);
}

// The index's order is RecordTable::canonical_order()'s: RFC 4034 §6.1 names (including the
// escaped octets 0x00 and 0x01 that its keys re-code), then type with SOA first, then rdata.
TEST(ZoneIndex, OrderMatchesCanonicalOrder) {
  std::string text = kHead;
  const char* labels[] = {"a", "A", "b", "a\\000", "a\\001", "a\\002", "\\000", "\\001", "z",
                          "*", "yljkjljk", "aa", "\\255", "-"};
  std::mt19937 random(7);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(labels) - 1);
  const char* types[] = {"A 192.0.2.1", "A 192.0.2.2", "TXT \"x\"", "MX 10 a", "AAAA ::1"};
  std::uniform_int_distribution<std::size_t> pick_type(0, std::size(types) - 1);
  for (int i = 0; i < 400; ++i) {
    std::string owner;
    for (std::size_t depth = 1 + pick(random) % 3; depth > 0; --depth)
      owner += std::string(labels[pick(random)]) + ".";
    owner += (i % 10 == 0) ? "example.org." : "example.";
    text += owner + " " + types[pick_type(random)] + "\n";
  }
  zone::ParseOptions options;
  options.origin = *dns::Name::from_text("example.");
  zone::CollectingSink sink;
  zone::parse_zone_text(text, "t.zone", options, sink);
  ASSERT_TRUE(sink.diagnostics.empty());
  zonecheck::ZoneIndex index(sink.records, options.origin.wire());
  std::vector<std::uint32_t> ours;
  for (const auto& node : index.nodes())
    for (auto i : index.records(node)) ours.push_back(i);
  EXPECT_EQ(ours, sink.records.canonical_order());
}

}  // namespace
