// `mxkit dig` output: dig's column layout, the whole reply text, +short, RFC 8427 JSON and
// +trace steps, from messages built in the test (expected text taken from dig 9.18).
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/dig_output.hpp"
#include "dns/message.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"

namespace dig = mxkit::cli::dig;
namespace dns = mxkit::dns;

namespace {

class RecordSink : public dns::zone::Sink {
 public:
  std::vector<dns::Record> records;
  void record(const dns::zone::RecordView& v) override {
    records.push_back({dns::Name::from_wire(v.owner), v.type, v.rclass, v.ttl, {v.rdata.begin(), v.rdata.end()}});
  }
  void diagnostic(const dns::zone::Diagnostic& d) override { ADD_FAILURE() << d.message; }
};

std::vector<dns::Record> records(std::string_view text) {
  RecordSink sink;
  dns::zone::ParseOptions options;
  options.origin = *dns::Name::from_text("example.test.");
  options.default_ttl = 3600;
  dns::zone::parse_zone_text(text, "test", options, sink);
  return sink.records;
}

dns::Name name(std::string_view text) { return *dns::Name::from_text(text); }

// The reply `dig @127.0.0.1 -p 41300 example.test MX` got from `mxkit serve`.
dns::Message mx_reply() {
  dns::Message m;
  m.header.id = 61488;
  m.header.qr = m.header.aa = m.header.rd = true;
  m.question.push_back({name("example.test."), dns::rrtype::MX, dns::rrclass::IN});
  m.answer = records("@ MX 10 mail1\n@ MX 20 mail2\n");
  m.additional = records("mail1 A 192.0.2.25\nmail1 AAAA 2001:db8::25\nmail2 A 198.51.100.25\n");
  m.edns = dns::Edns{};
  return m;
}

dig::ReplyInfo info() {
  return {"127.0.0.1", 41300, false, std::chrono::microseconds(24500), 145, 1795772287};
}

class DigOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

TEST_F(DigOutput, RecordLinesUseDigsTabStops) {
  struct Case {
    const char* zone;
    const char* line;
  };
  const Case cases[] = {
      {"@ 3600 MX 10 mail1", "example.test.\t\t3600\tIN\tMX\t10 mail1.example.test."},
      {"mail1 A 192.0.2.25", "mail1.example.test.\t3600\tIN\tA\t192.0.2.25"},
      {"mail1 AAAA 2001:db8::25", "mail1.example.test.\t3600\tIN\tAAAA\t2001:db8::25"},
      // Past a tab stop, one space and the next fields follow with spaces too.
      {"averyveryverylongname-here TXT \"hello world\" \"x\"",
       "averyveryverylongname-here.example.test. 3600 IN TXT \"hello world\" \"x\""},
      // 23 characters: the TTL still gets its own tab stop.
      {"abcdefghij 300 A 192.0.2.1", "abcdefghij.example.test. 300\tIN\tA\t192.0.2.1"},
      {"@ 300 SOA ns1 hostmaster 2026112701 7200 900 1209600 300",
       "example.test.\t\t300\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2026112701 7200 900 1209600 300"},
      {"x 0 TYPE65280 \\# 2 abcd", "x.example.test.\t\t0\tIN\tTYPE65280 \\# 2 ABCD"},
  };
  for (const auto& c : cases) {
    auto rrs = records(c.zone);
    ASSERT_EQ(rrs.size(), 1u) << c.zone;
    EXPECT_EQ(dig::record_line(rrs[0]), c.line) << c.zone;
  }
}

TEST_F(DigOutput, QuestionLinesHaveNoTtlColumn) {
  EXPECT_EQ(dig::question_line({name("example.test."), dns::rrtype::MX, 1}), ";example.test.\t\t\tIN\tMX");
  EXPECT_EQ(dig::question_line({name("nope.example.test."), dns::rrtype::A, 1}), ";nope.example.test.\t\tIN\tA");
  EXPECT_EQ(dig::question_line({name("averyveryverylongname-here.example.test."), dns::rrtype::TXT, 1}),
            ";averyveryverylongname-here.example.test. IN TXT");
  EXPECT_EQ(dig::question_line({name("."), dns::rrtype::NS, 1}), ";.\t\t\t\tIN\tNS");
  // 23 characters after the ';': dig's columns start after it, so two tabs, not one.
  EXPECT_EQ(dig::question_line({name("_sip._tcp.example.test."), dns::rrtype::SRV, 1}),
            ";_sip._tcp.example.test.\t\tIN\tSRV");
}

TEST_F(DigOutput, HeaderLines) {
  EXPECT_EQ(dig::header_lines(mx_reply()),
            ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 61488\n"
            ";; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 4\n");
  dns::Message m;
  m.header.rcode = dns::rcode::NXDOMAIN;
  m.header.opcode = dns::opcode::NOTIFY;
  EXPECT_EQ(dig::header_lines(m),
            ";; ->>HEADER<<- opcode: NOTIFY, status: NXDOMAIN, id: 0\n"
            ";; flags:; QUERY: 0, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\n");
}

TEST_F(DigOutput, CodesAsText) {
  EXPECT_EQ(dig::rcode_text(0), "NOERROR");
  EXPECT_EQ(dig::rcode_text(2), "SERVFAIL");
  EXPECT_EQ(dig::rcode_text(5), "REFUSED");
  EXPECT_EQ(dig::rcode_text(16), "BADVERS");
  EXPECT_EQ(dig::rcode_text(12), "RESERVED12");
  EXPECT_EQ(dig::opcode_text(0), "QUERY");
  EXPECT_EQ(dig::opcode_text(3), "RESERVED3");
}

TEST_F(DigOutput, EdnsLines) {
  dns::Edns edns;
  EXPECT_EQ(dig::edns_lines(edns), "; EDNS: version: 0, flags:; udp: 1232\n");
  edns.do_bit = true;
  edns.udp_payload_size = 4096;
  edns.options.push_back({dns::edns_option::COOKIE, {0x01, 0x02, 0xab}});
  edns.options.push_back({dns::edns_option::NSID, {'n', 's', '1'}});
  edns.options.push_back({dns::edns_option::EXTENDED_ERROR, {0x00, 0x12}});
  EXPECT_EQ(dig::edns_lines(edns),
            "; EDNS: version: 0, flags: do; udp: 4096\n"
            "; COOKIE: 0102ab\n"
            "; NSID: 6e 73 31 (\"ns1\")\n"
            "; EDE: 18 (Prohibited)\n");
}

TEST_F(DigOutput, WholeReplyAsDigPrintsIt) {
  EXPECT_EQ(dig::reply_text(mx_reply(), info()),
            ";; Got answer:\n"
            ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 61488\n"
            ";; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 4\n"
            ";; WARNING: recursion requested but not available\n"
            "\n"
            ";; OPT PSEUDOSECTION:\n"
            "; EDNS: version: 0, flags:; udp: 1232\n"
            ";; QUESTION SECTION:\n"
            ";example.test.\t\t\tIN\tMX\n"
            "\n"
            ";; ANSWER SECTION:\n"
            "example.test.\t\t3600\tIN\tMX\t10 mail1.example.test.\n"
            "example.test.\t\t3600\tIN\tMX\t20 mail2.example.test.\n"
            "\n"
            ";; ADDITIONAL SECTION:\n"
            "mail1.example.test.\t3600\tIN\tA\t192.0.2.25\n"
            "mail1.example.test.\t3600\tIN\tAAAA\t2001:db8::25\n"
            "mail2.example.test.\t3600\tIN\tA\t198.51.100.25\n"
            "\n"
            ";; Query time: 24 msec\n"
            ";; SERVER: 127.0.0.1#41300(127.0.0.1) (UDP)\n"
            ";; WHEN: Fri Nov 27 09:38:07 UTC 2026\n"
            ";; MSG SIZE  rcvd: 145\n"
            "\n");
}

TEST_F(DigOutput, DisplayOptionsLeaveOutParts) {
  dig::Display answer_only{false, false, true, false, false, false};  // +noall +answer
  EXPECT_EQ(dig::reply_text(mx_reply(), info(), answer_only),
            "example.test.\t\t3600\tIN\tMX\t10 mail1.example.test.\n"
            "example.test.\t\t3600\tIN\tMX\t20 mail2.example.test.\n");
  dig::Display no_comments;
  no_comments.comments = false;
  const std::string text = dig::reply_text(mx_reply(), info(), no_comments);
  EXPECT_TRUE(text.starts_with(";example.test.\t\t\tIN\tMX\nexample.test.\t\t3600\tIN\tMX\t10 ")) << text;
  EXPECT_EQ(text.find("SECTION"), std::string::npos);
  EXPECT_NE(text.find(";; MSG SIZE  rcvd: 145\n"), std::string::npos);
}

TEST_F(DigOutput, NxdomainOverTcpWithoutEdns) {
  dns::Message m;
  m.header.id = 6259;
  m.header.qr = m.header.aa = true;
  m.header.rcode = dns::rcode::NXDOMAIN;
  m.question.push_back({name("nope.example.test."), dns::rrtype::A, 1});
  m.authority = records("@ 300 SOA ns1 hostmaster 2026112701 7200 900 1209600 300\n");
  dig::ReplyInfo tcp = info();
  tcp.over_tcp = true;
  const std::string text = dig::reply_text(m, tcp);
  EXPECT_NE(text.find(";; flags: qr aa; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 0\n\n;; QUESTION SECTION:\n"),
            std::string::npos);
  EXPECT_NE(text.find(";; AUTHORITY SECTION:\nexample.test.\t\t300\tIN\tSOA\t"), std::string::npos);
  EXPECT_NE(text.find("(127.0.0.1) (TCP)\n"), std::string::npos);
  EXPECT_EQ(text.find("WARNING"), std::string::npos);
  EXPECT_EQ(text.find("OPT PSEUDOSECTION"), std::string::npos);
}

TEST_F(DigOutput, ShortIsTheAnswerRdata) {
  EXPECT_EQ(dig::short_text(mx_reply()), "10 mail1.example.test.\n20 mail2.example.test.\n");
  dns::Message cname;
  cname.answer = records("www CNAME mail1\nmail1 A 192.0.2.25\n");
  EXPECT_EQ(dig::short_text(cname), "mail1.example.test.\n192.0.2.25\n");
  EXPECT_EQ(dig::short_text(dns::Message{}), "");
}

TEST_F(DigOutput, JsonFollowsRfc8427) {
  const std::vector<std::uint8_t> wire = {0xf0, 0x30, 0x85, 0x00};  // stands for the reply's octets
  const auto j = nlohmann::json::parse(dig::json_text(mx_reply(), wire, info()));
  EXPECT_EQ(j["ID"], 61488);
  EXPECT_EQ(j["QR"], 1);
  EXPECT_EQ(j["AA"], 1);
  EXPECT_EQ(j["TC"], 0);
  EXPECT_EQ(j["RD"], 1);
  EXPECT_EQ(j["RA"], 0);
  EXPECT_EQ(j["Opcode"], 0);
  EXPECT_EQ(j["RCODE"], 0);
  EXPECT_EQ(j["QDCOUNT"], 1);
  EXPECT_EQ(j["ANCOUNT"], 2);
  EXPECT_EQ(j["NSCOUNT"], 0);
  EXPECT_EQ(j["ARCOUNT"], 4);
  EXPECT_EQ(j["QNAME"], "example.test.");
  EXPECT_EQ(j["QTYPE"], 15);
  EXPECT_EQ(j["QTYPEname"], "MX");
  EXPECT_EQ(j["questionRRs"].size(), 1u);
  EXPECT_EQ(j["questionRRs"][0]["NAME"], "example.test.");
  EXPECT_EQ(j["questionRRs"][0]["CLASSname"], "IN");
  ASSERT_EQ(j["answerRRs"].size(), 2u);
  const auto& mx = j["answerRRs"][0];
  EXPECT_EQ(mx["NAME"], "example.test.");
  EXPECT_EQ(mx["TYPE"], 15);
  EXPECT_EQ(mx["TYPEname"], "MX");
  EXPECT_EQ(mx["CLASS"], 1);
  EXPECT_EQ(mx["TTL"], 3600);
  EXPECT_EQ(mx["rdataMX"], "10 mail1.example.test.");
  EXPECT_EQ(mx["RDLENGTH"], 22);
  EXPECT_EQ(mx["RDATAHEX"], "000A056D61696C31076578616D706C65047465737400");
  EXPECT_TRUE(j["authorityRRs"].empty());
  ASSERT_EQ(j["additionalRRs"].size(), 4u);
  EXPECT_EQ(j["additionalRRs"][0]["rdataA"], "192.0.2.25");
  EXPECT_EQ(j["additionalRRs"][0]["RDATAHEX"], "C0000219");
  EXPECT_EQ(j["additionalRRs"][1]["rdataAAAA"], "2001:db8::25");
  const auto& opt = j["additionalRRs"][3];  // the OPT record, as on the wire
  EXPECT_EQ(opt["NAME"], ".");
  EXPECT_EQ(opt["TYPE"], 41);
  EXPECT_EQ(opt["CLASS"], 1232);
  EXPECT_EQ(opt["TTL"], 0);
  EXPECT_EQ(opt["RDATAHEX"], "");
  EXPECT_FALSE(opt.contains("rdataOPT"));
  EXPECT_EQ(j["msgLength"], 4);
  EXPECT_EQ(j["messageOctetsHEX"], "F0308500");
  EXPECT_EQ(j["dateSeconds"], 1795772287);
  EXPECT_EQ(j["dateString"], "2026-11-27T09:38:07Z");
}

TEST_F(DigOutput, JsonOptCarriesDoAndExtendedRcode) {
  dns::Message m;
  m.header.rcode = dns::rcode::BADVERS;  // 16: upper bits 1 in the OPT TTL
  m.edns = dns::Edns{};
  m.edns->do_bit = true;
  m.edns->options.push_back({dns::edns_option::NSID, {0x61}});
  const auto j = nlohmann::json::parse(dig::json_text(m, {}, info()));
  EXPECT_EQ(j["RCODE"], 16);
  EXPECT_FALSE(j.contains("QNAME"));
  const auto& opt = j["additionalRRs"][0];
  EXPECT_EQ(opt["TTL"], (1u << 24) | 0x8000u);
  EXPECT_EQ(opt["RDATAHEX"], "0003000161");
}

TEST_F(DigOutput, Banner) {
  EXPECT_EQ(dig::banner("@127.0.0.1 -p 53 example.test MX", true),
            "\n; <<>> mxkit dig 0.1.0 <<>> @127.0.0.1 -p 53 example.test MX\n; (1 server found)\n;; global options: +cmd\n");
  EXPECT_EQ(dig::banner("example.test", false), "\n; <<>> mxkit dig 0.1.0 <<>> example.test\n;; global options: +cmd\n");
  EXPECT_EQ(dig::communications_error("127.0.0.1", 5300, "timed out"),
            ";; communications error to 127.0.0.1#5300: timed out\n");
}

TEST_F(DigOutput, TraceSteps) {
  mxkit::resolver::TraceStep referral;
  referral.qname = name("example.test.");
  referral.qtype = dns::rrtype::MX;
  referral.server = "127.0.0.2:5300";
  referral.zone = ".";
  referral.outcome = "referral to test.";
  referral.elapsed = std::chrono::microseconds(1200);
  referral.reply_size = 99;
  referral.records = records("$ORIGIN test.\n@ 172800 NS ns.test.\n");
  const std::map<std::string, std::string> names = {{"127.0.0.2", "a.root.test."}};
  EXPECT_EQ(dig::trace_step_text(referral, names),
            "test.\t\t\t172800\tIN\tNS\tns.test.\n"
            ";; Received 99 bytes from 127.0.0.2#5300(a.root.test.) in 1 ms\n\n");

  mxkit::resolver::TraceStep timeout;
  timeout.qname = name("example.test.");
  timeout.qtype = dns::rrtype::MX;
  timeout.server = "[::1]:53";
  timeout.outcome = "timeout";
  EXPECT_EQ(dig::trace_step_text(timeout, {}), ";; communications error to ::1#53(::1): timed out\n\n");

  mxkit::resolver::TraceStep nx = referral;
  nx.records.clear();
  nx.outcome = "nxdomain";
  nx.server = "127.0.0.4:53";
  EXPECT_EQ(dig::trace_step_text(nx, names),
            ";; Received 99 bytes from 127.0.0.4#53(127.0.0.4) in 1 ms\n;; example.test. MX: nxdomain\n\n");

  // A step for the address of a name server names its question.
  mxkit::resolver::TraceStep ns_address = referral;
  ns_address.qname = name("ns.other.test.");
  ns_address.qtype = dns::rrtype::A;
  ns_address.outcome = "answer";
  ns_address.records = records("$ORIGIN other.test.\nns 300 A 127.0.0.9\n");
  EXPECT_EQ(dig::trace_step_text(ns_address, names, true),
            "ns.other.test.\t\t300\tIN\tA\t127.0.0.9\n"
            ";; Received 99 bytes from 127.0.0.2#5300(a.root.test.) in 1 ms for ns.other.test. A\n\n");
}

}  // namespace
