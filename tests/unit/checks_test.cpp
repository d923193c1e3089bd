// The socket-free parts of `mxkit check`: RFC 1982 serial order, finding order and exit status,
// public addresses, banners, and the name-server, SMTP and record findings from given facts.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "checks/finding.hpp"
#include "checks/mx_checks.hpp"
#include "checks/ns_checks.hpp"
#include "checks/propagation.hpp"
#include "checks/record_checks.hpp"
#include "checks/serial.hpp"
#include "checks/smtp_checks.hpp"
#include "checks/zone_checks.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::checks {
namespace {

std::set<std::string> codes(const std::vector<Finding>& findings) {
  std::set<std::string> out;
  for (const auto& f : findings) out.insert(f.code);
  return out;
}

TEST(Serial, Rfc1982Table) {
  struct Case {
    std::uint32_t a, b;
    SerialOrder order;
  } cases[] = {
      {1, 1, SerialOrder::equal},
      {1, 2, SerialOrder::less},
      {2, 1, SerialOrder::greater},
      {0xffffffffu, 1, SerialOrder::less},  // 1 is 2 ahead after the wrap
      {1, 0xffffffffu, SerialOrder::greater},
      {0, 0x7fffffffu, SerialOrder::less},       // 2^31 - 1 ahead: still newer
      {0, 0x80000000u, SerialOrder::undefined},  // exactly 2^31 apart: no order (§3.2)
      {0x80000000u, 0, SerialOrder::undefined},
      {0, 0x80000001u, SerialOrder::greater},  // past half way: 0 is the newer
      {2026120501u, 2026120500u, SerialOrder::greater},
  };
  for (const auto& c : cases) EXPECT_EQ(compare_serials(c.a, c.b), c.order) << c.a << " vs " << c.b;
}

TEST(Findings, EveryCodeIsComplete) {
  std::set<std::string_view> seen;
  for (const auto& info : catalogue()) {
    EXPECT_TRUE(seen.insert(info.code).second) << info.code;
    EXPECT_FALSE(info.rfc.empty()) << info.code;
    EXPECT_FALSE(info.fix.empty()) << info.code;
    EXPECT_NE(std::find(areas().begin(), areas().end(), info.area), areas().end()) << info.code;
  }
  EXPECT_THROW(make_finding("no-such-code", "x", "y"), std::logic_error);
}

TEST(Findings, OrderAndExitStatus) {
  std::vector<Finding> f = {make_finding("ptr-missing", "b", "m"),
                            make_finding("single-mx", "a", "m"),
                            make_finding("smtp-open-relay", "a", "m"),
                            make_finding("mx-address-not-public", "z", "m"),
                            make_finding("mx-address-not-public", "a", "m"),
                            make_finding("zone-unavailable", "a", "m"),
                            make_finding("ns-lame", "a", "m")};
  sort_findings(f);
  std::vector<std::string> order;
  for (const auto& x : f) order.push_back(x.code + " " + x.subject);
  EXPECT_EQ(order,
            (std::vector<std::string>{"ns-lame a", "smtp-open-relay a", "mx-address-not-public a",
                                      "mx-address-not-public z", "ptr-missing b", "single-mx a",
                                      "zone-unavailable a"}));
  EXPECT_EQ(exit_status(f), 2);
  f.erase(f.begin(), f.begin() + 2);
  EXPECT_EQ(exit_status(f), 1);
  f.erase(f.begin(), f.begin() + 3);
  EXPECT_EQ(exit_status(f), 0);  // notices and info only
  EXPECT_EQ(exit_status({}), 0);
  EXPECT_EQ(make_finding("smtp-tls-certificate", "a", "m", Severity::notice).severity,
            Severity::notice);
}

TEST(MxChecks, PublicAddresses) {
  for (const char* text :
       {"127.0.1.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1",
        "192.0.2.1", "198.51.100.7", "203.0.113.9", "0.1.2.3", "224.0.0.1", "::1", "fe80::1",
        "fd00::1", "2001:db8::1", "::ffff:1.2.3.4"})
    EXPECT_FALSE(is_public_address(*routing::parse_address(text))) << text;
  for (const char* text : {"8.8.8.8", "172.32.0.1", "193.0.2.1", "2a00:1450::1"})
    EXPECT_TRUE(is_public_address(*routing::parse_address(text))) << text;
}

TEST(SmtpChecks, BannerHost) {
  EXPECT_EQ(banner_host("mx1.example.test ESMTP ready"), "mx1.example.test.");
  EXPECT_EQ(banner_host("MX1.Example.Test. ESMTP"), "mx1.example.test.");
  EXPECT_EQ(banner_host("ESMTP ready"), "");
}

TEST(SmtpChecks, Findings) {
  SmtpFacts down;
  down.exchange = "mx.example.test.";
  down.address = "127.0.1.1";
  down.error = "connect: Connection refused";
  EXPECT_EQ(codes(check_smtp(down)), std::set<std::string>{"smtp-unreachable"});

  SmtpFacts good = down;
  good.connected = true;
  good.banner = "mx.example.test ESMTP";
  good.starttls_offered = good.tls = true;
  good.certificate = CertificateFacts{};
  good.certificate->name_matches = good.certificate->chain_verified = true;
  good.certificate->days_left = 90;
  good.postmaster_reply = 250;
  good.relay_reply = 554;
  EXPECT_TRUE(check_smtp(good).empty());

  SmtpFacts bad = good;
  bad.banner = "other.host ESMTP";
  bad.certificate->expired = true;
  bad.postmaster_reply = 550;
  bad.relay_reply = 250;
  EXPECT_EQ(codes(check_smtp(bad)),
            (std::set<std::string>{"smtp-banner-mismatch", "smtp-tls-certificate",
                                   "smtp-rejects-postmaster", "smtp-open-relay"}));
  bad.postmaster_reply = 451;  // greylisting is not a refusal
  EXPECT_FALSE(codes(check_smtp(bad)).count("smtp-rejects-postmaster"));

  // RFC 6125 §6.4.4: the right name in the subject CN only is no match, and the message says so.
  SmtpFacts cn_only = good;
  cn_only.certificate->name_matches = false;
  cn_only.certificate->name_only_in_cn = true;
  cn_only.certificate->subject = "/CN=mx.example.test";
  const auto cn_findings = check_smtp(cn_only);
  ASSERT_EQ(cn_findings.size(), 1u);
  EXPECT_EQ(cn_findings[0].code, "smtp-tls-certificate");
  EXPECT_NE(cn_findings[0].message.find("only in the subject CN (/CN=mx.example.test)"),
            std::string::npos)
      << cn_findings[0].message;

  SmtpFacts plain = good;
  plain.starttls_offered = plain.tls = false;
  plain.certificate.reset();
  EXPECT_EQ(codes(check_smtp(plain)), std::set<std::string>{"smtp-no-starttls"});
}

NameServer server(std::string name, std::string address, std::uint32_t serial) {
  NameServer s;
  s.name = name;
  s.in_parent = s.in_child = true;
  s.addresses = {address};
  ServerAnswer a;
  a.address = address;
  a.reachable = a.authoritative = true;
  a.serial = serial;
  a.mx_answered = true;
  a.mx = {"10 mx.example.test."};
  a.mx_ttl = 3600;
  s.answers = {a};
  return s;
}

NameServerFacts healthy_servers() {
  NameServerFacts f;
  f.zone = "example.test.";
  f.parent_answered = true;
  f.parent_ns = f.child_ns = {"ns1.example.test.", "ns2.example.test."};
  f.servers = {server("ns1.example.test.", "192.0.2.1", 5),
               server("ns2.example.test.", "198.51.100.1", 5)};
  return f;
}

TEST(NsChecks, Healthy) { EXPECT_TRUE(check_nameservers(healthy_servers()).empty()); }

TEST(NsChecks, EachFault) {
  auto f = healthy_servers();
  f.servers[1].answers[0].serial = 4;
  f.servers[1].answers[0].mx = {"20 mx.example.test."};
  EXPECT_EQ(codes(check_nameservers(f)),
            (std::set<std::string>{"ns-serial-mismatch", "mx-mismatch"}));

  f = healthy_servers();
  f.servers[0].answers[0].serial = 0xfffffffeu;  // behind 5 after the wrap: ns1 lags
  auto found = check_nameservers(f);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].subject, "ns1.example.test. 192.0.2.1");

  f = healthy_servers();
  f.servers[1].answers[0].authoritative = false;
  f.servers[1].answers[0].error = "it answered REFUSED";
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"ns-lame"});

  f = healthy_servers();
  f.servers[1].answers[0].reachable = f.servers[1].answers[0].authoritative = false;
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"ns-unreachable"});

  f = healthy_servers();
  f.child_ns.push_back("ns3.example.test.");
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"ns-set-mismatch"});

  f = healthy_servers();
  f.servers[0].glue = {"192.0.2.99"};
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"glue-mismatch"});

  f = healthy_servers();
  f.servers[1].addresses = {"192.0.2.1"};
  f.servers[1].answers[0].address = "192.0.2.1";
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"single-ns"});

  f = healthy_servers();
  f.servers[0].answers[0].mx_ttl = f.servers[1].answers[0].mx_ttl = 2 * kLongMxTtl;
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"mx-ttl-long"});

  f = healthy_servers();
  f.servers[1].answers[0].mx_ttl = 300;
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"mx-mismatch"});

  f = healthy_servers();
  f.parent_answered = false;
  f.parent_error = "timeout";
  EXPECT_EQ(codes(check_nameservers(f)), std::set<std::string>{"ns-lookup-failed"});
}

TEST(Propagation, StaleResolverOnly) {
  const auto servers = healthy_servers();
  ResolverView fresh{"192.0.2.53:53", true, "", "NOERROR", {"10 mx.example.test."}, 300};
  ResolverView stale{"192.0.2.54:53", true, "", "NOERROR", {"10 old.example.test."}, 1700};
  ResolverView silent{"192.0.2.55:53", false, "timeout after 1500 ms", "", {}, std::nullopt};
  const auto found = check_propagation({fresh, stale, silent}, servers);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].code, "propagation-pending");
  EXPECT_EQ(found[0].subject, "192.0.2.54:53");
  EXPECT_NE(found[0].message.find("1700 s"), std::string::npos);
  EXPECT_TRUE(check_propagation({stale}, NameServerFacts{}).empty());  // no authority to compare
}

TEST(RecordChecks, ReversedAddresses) {
  EXPECT_EQ(reversed_address("192.0.2.1"), "1.2.0.192");
  EXPECT_EQ(reversed_address("2001:db8::1"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
  EXPECT_EQ(reversed_address("not an address"), "");
  EXPECT_EQ(txt_rdata_text({3, 'a', 'b', 'c', 2, 'd', 'e'}), "abcde");
  EXPECT_EQ(txt_rdata_text({9, 'a'}), "a");  // a length past the end takes what is there
}

TEST(RecordChecks, MtaStsAndTlsRpt) {
  const TxtLookup rpt{"_smtp._tls.x.test.", "answer", {"v=TLSRPTv1; rua=mailto:a@x.test"}};
  const TxtLookup none{"_mta-sts.x.test.", "nxdomain", {}};
  EXPECT_TRUE(check_tls_records("x.test.", none, rpt).empty());
  EXPECT_EQ(codes(check_tls_records("x.test.", none, {"_smtp._tls.x.test.", "nxdomain", {}})),
            std::set<std::string>{"tlsrpt-missing"});
  for (const char* bad : {"v=STSv1", "v=STSv1; id=", "v=STSv1; id=has-dash",
                          "v=STSv1; id=123456789012345678901234567890123", "v=STSv1; junk"}) {
    const TxtLookup sts{"_mta-sts.x.test.", "answer", {bad}};
    EXPECT_EQ(codes(check_tls_records("x.test.", sts, rpt)),
              std::set<std::string>{"mta-sts-invalid"})
        << bad;
  }
  const TxtLookup good{"_mta-sts.x.test.", "answer", {"v=STSv1; id=20261205T1"}};
  EXPECT_TRUE(check_tls_records("x.test.", good, rpt).empty());
  const TxtLookup two{"_mta-sts.x.test.", "answer", {"v=STSv1; id=a", "v=STSv1; id=b"}};
  EXPECT_EQ(codes(check_tls_records("x.test.", two, rpt)),
            std::set<std::string>{"mta-sts-invalid"});
}

TEST(RecordChecks, DnsblPtrTlsa) {
  EXPECT_EQ(codes(check_dnsbl({{"192.0.2.1", "bl.test.", "", "answer", {"127.0.0.2"}, "spam"}})),
            std::set<std::string>{"dnsbl-listed"});
  EXPECT_TRUE(
      check_dnsbl({{"192.0.2.1", "bl.test.", "", "answer", {"127.255.255.254"}, ""}}).empty());
  EXPECT_TRUE(check_dnsbl({{"192.0.2.1", "bl.test.", "", "nxdomain", {}, ""}}).empty());

  EXPECT_EQ(codes(check_ptr({{"mx.", "192.0.2.1", "q", "nxdomain", {}, false}})),
            std::set<std::string>{"ptr-missing"});
  EXPECT_EQ(codes(check_ptr({{"mx.", "192.0.2.1", "q", "answer", {"other."}, false}})),
            std::set<std::string>{"ptr-mismatch"});
  EXPECT_TRUE(check_ptr({{"mx.", "192.0.2.1", "q", "answer", {"mx."}, true}}).empty());

  SmtpFacts s;
  s.exchange = "mx.";
  s.address = "192.0.2.1";
  s.connected = s.tls = true;
  s.certificate = CertificateFacts{};
  s.certificate->sha256 = std::string(64, 'a');
  s.certificate->spki_sha256 = std::string(64, 'b');
  TlsaFacts t{"mx.", "_25._tcp.mx.", {{3, 1, 1, std::string(64, 'b')}}};
  EXPECT_TRUE(check_tlsa(t, {&s}).empty());
  t.records = {{3, 0, 1, std::string(64, 'A')}};  // hex compares without case
  EXPECT_TRUE(check_tlsa(t, {&s}).empty());
  t.records = {{3, 1, 1, std::string(64, 'c')}};
  EXPECT_EQ(codes(check_tlsa(t, {&s})), std::set<std::string>{"tlsa-mismatch"});
  s.certificate.reset();
  EXPECT_EQ(codes(check_tlsa(t, {&s})), std::set<std::string>{"tlsa-mismatch"});
}

// Records from an AXFR get the zone checks of a zone file, the transfer as their subject.
TEST(ZoneRecords, TransferredZoneIsChecked) {
  auto name = [](const char* t) { return *dns::Name::from_text(t); };
  auto wire = [](const dns::Name& n) {
    auto w = n.wire();
    return std::vector<std::uint8_t>(w.begin(), w.end());
  };
  std::vector<std::uint8_t> soa = wire(name("ns.z.test."));
  auto rname = wire(name("hostmaster.z.test."));
  soa.insert(soa.end(), rname.begin(), rname.end());
  for (std::uint32_t v : {1u, 7200u, 900u, 1209600u, 300u})
    for (int shift = 24; shift >= 0; shift -= 8)
      soa.push_back(static_cast<std::uint8_t>(v >> shift));
  std::vector<std::uint8_t> mx = {0, 10};
  auto mail = wire(name("mail.z.test."));
  mx.insert(mx.end(), mail.begin(), mail.end());
  const std::vector<dns::Record> records = {
      {name("z.test."), dns::rrtype::SOA, dns::rrclass::IN, 300, soa},
      {name("z.test."), dns::rrtype::NS, dns::rrclass::IN, 300, wire(name("ns.z.test."))},
      {name("ns.z.test."), dns::rrtype::A, dns::rrclass::IN, 300, {127, 0, 0, 4}},
      {name("z.test."), dns::rrtype::MX, dns::rrclass::IN, 300, mx},
      {name("mail.z.test."), dns::rrtype::CNAME, dns::rrclass::IN, 300, wire(name("mx.z.test."))},
      {name("mx.z.test."), dns::rrtype::A, dns::rrclass::IN, 300, {127, 0, 1, 1}},
  };
  auto found = check_zone_records(records, name("z.test."), "AXFR from 127.0.0.4");
  ASSERT_FALSE(found.empty());
  const auto alias = std::find_if(found.begin(), found.end(),
                                  [](const Finding& f) { return f.code == "target-is-alias"; });
  ASSERT_NE(alias, found.end());
  EXPECT_EQ(alias->subject, "AXFR from 127.0.0.4");
  EXPECT_EQ(alias->area, "zone");
  EXPECT_EQ(alias->severity, Severity::error);
  // Without the CNAME the same zone is clean of errors.
  auto healthy = records;
  healthy[4] = {name("mail.z.test."), dns::rrtype::A, dns::rrclass::IN, 300, {127, 0, 1, 2}};
  for (const auto& f : check_zone_records(healthy, name("z.test."), "AXFR from 127.0.0.4"))
    EXPECT_NE(f.severity, Severity::error) << f.code << ": " << f.message;
}

}  // namespace
}  // namespace mxkit::checks
