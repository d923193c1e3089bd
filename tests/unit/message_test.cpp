// DNS messages: build → parse round trips, compression, truncation, EDNS, and malformed input.
#include "dns/message.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/encoding.hpp"
#include "dns/message_builder.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"

namespace dns = mxkit::dns;
using dns::Section;
using Bytes = std::vector<std::uint8_t>;

namespace {

namespace rrtype = dns::rrtype;

Bytes hex(std::string_view text) {
  std::string digits;
  for (char c : text)
    if (c != ' ' && c != '\n') digits.push_back(c);
  Bytes out;
  auto r = mxkit::core::decode_hex(digits, out);
  EXPECT_TRUE(r) << text;
  return out;
}

std::string to_hex(std::span<const std::uint8_t> data) {
  std::string s;
  mxkit::core::append_hex(data, s, false);
  return s;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

dns::Name name(std::string_view text) {
  auto n = dns::Name::from_text(text);
  EXPECT_TRUE(n) << text;
  return n ? *n : dns::Name();
}

// Rdata from presentation text, split at spaces (no quoted strings needed here).
Bytes rd(std::uint16_t type, std::string_view text) {
  std::vector<dns::Token> tokens;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    if (end > at) tokens.push_back({text.substr(at, end - at)});
    at = end + 1;
  }
  Bytes out;
  auto r = dns::rdata_from_text(type, tokens, dns::Name().wire(), out);
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
  return out;
}

dns::Record rr(std::string_view owner, std::uint16_t type, std::uint32_t ttl,
               std::string_view rdata) {
  return {name(owner), type, dns::rrclass::IN, ttl, rd(type, rdata)};
}

// Message equality with names compared octet for octet (Name's == ignores case).
void expect_same(const dns::Message& a, const dns::Message& b) {
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.question.size(), b.question.size());
  for (std::size_t i = 0; i < a.question.size(); ++i)
    EXPECT_EQ(to_hex(a.question[i].name.wire()), to_hex(b.question[i].name.wire()));
  for (Section s : {Section::Answer, Section::Authority, Section::Additional}) {
    ASSERT_EQ(a.records(s).size(), b.records(s).size());
    for (std::size_t i = 0; i < a.records(s).size(); ++i)
      EXPECT_EQ(to_hex(a.records(s)[i].owner.wire()), to_hex(b.records(s)[i].owner.wire()));
  }
}

dns::Message parse_ok(std::span<const std::uint8_t> wire) {
  auto m = dns::parse_message(wire);
  EXPECT_TRUE(m) << (m ? "" : m.error().message);
  return m ? *m : dns::Message();
}

Bytes build_ok(const dns::Message& m, std::size_t max = dns::kMaxMessageSize) {
  auto wire = dns::build_message(m, max);
  EXPECT_TRUE(wire) << (wire ? "" : wire.error().message);
  return wire ? *wire : Bytes();
}

dns::Header response_header(std::uint16_t id = 0x1234) {
  dns::Header h;
  h.id = id;
  h.qr = true;
  h.rd = true;
  h.ra = true;
  return h;
}

// ---------------------------------------------------------------------------------------------
// The writer, byte for byte.

TEST(MessageBuilder, ExactBytesWithCompression) {
  Bytes buffer(512);
  dns::MessageBuilder b(buffer, response_header());
  ASSERT_TRUE(b.add_question(name("example.com.").wire(), rrtype::MX, dns::rrclass::IN));
  ASSERT_TRUE(
      b.add_record(Section::Answer, rr("example.com.", rrtype::MX, 3600, "10 mail.example.com.")));
  ASSERT_TRUE(
      b.add_record(Section::Additional, rr("mail.example.com.", rrtype::A, 3600, "192.0.2.1")));
  auto wire = b.finish();
  const Bytes expected =
      hex("1234 8180 0001 0001 0000 0001"
          "07 6578616d706c65 03 636f6d 00 000f 0001"            // question at 12
          "c00c 000f 0001 00000e10 0009 000a 04 6d61696c c00c"  // "mail" at 43
          "c02b 0001 0001 00000e10 0004 c0000201");             // owner → 43
  EXPECT_EQ(to_hex(wire), to_hex(expected));

  auto m = parse_ok(wire);
  ASSERT_EQ(m.answer.size(), 1u);
  EXPECT_EQ(m.answer[0].rdata, rd(rrtype::MX, "10 mail.example.com."));
  EXPECT_EQ(m.additional[0].owner.to_text(), "mail.example.com.");
}

// RFC 1035 §4.1.4's example: F.ISI.ARPA, then FOO.F.ISI.ARPA as "FOO" + a pointer to it, ARPA
// as a bare pointer, and the root as a single zero octet. The RFC places F.ISI.ARPA at 20; in a
// message it follows the 12-octet header, so the offsets here are the RFC's less 8.
TEST(MessageBuilder, Rfc1035Section414Example) {
  Bytes buffer(512);
  dns::MessageBuilder b(buffer, dns::Header{});
  ASSERT_TRUE(b.add_question(name("F.ISI.ARPA.").wire(), rrtype::A, dns::rrclass::IN));
  const Bytes empty;
  ASSERT_TRUE(b.add_record(Section::Answer, name("FOO.F.ISI.ARPA.").wire(), rrtype::NULL_,
                           dns::rrclass::IN, 0, empty));
  ASSERT_TRUE(b.add_record(Section::Answer, name("ARPA.").wire(), rrtype::NULL_, dns::rrclass::IN,
                           0, empty));
  ASSERT_TRUE(
      b.add_record(Section::Answer, dns::Name().wire(), rrtype::NULL_, dns::rrclass::IN, 0, empty));
  auto wire = b.finish();
  const Bytes expected =
      hex("0000 0000 0001 0003 0000 0000"
          "01 46 03 495349 04 41525041 00 0001 0001"  // F.ISI.ARPA at 12, ARPA at 18
          "03 464f4f c00c 000a 0001 00000000 0000"    // FOO + pointer to 12
          "c012 000a 0001 00000000 0000"              // pointer to 18
          "00 000a 0001 00000000 0000");              // the root
  EXPECT_EQ(to_hex(wire), to_hex(expected));
  auto m = parse_ok(wire);
  ASSERT_EQ(m.answer.size(), 3u);
  EXPECT_EQ(m.answer[0].owner.to_text(), "FOO.F.ISI.ARPA.");
  EXPECT_EQ(m.answer[1].owner.to_text(), "ARPA.");
  EXPECT_EQ(m.answer[2].owner.to_text(), ".");
}

TEST(MessageBuilder, CompressionShrinksTheMessage) {
  dns::Message m;
  m.header = response_header();
  m.question.push_back({name("example.com."), rrtype::MX, dns::rrclass::IN});
  std::size_t uncompressed = dns::kHeaderSize + 13 + 4;
  for (int i = 0; i < 10; ++i) {
    m.answer.push_back(rr("example.com.", rrtype::MX, 300,
                          std::to_string(i) + " mx" + std::to_string(i) + ".example.com."));
    uncompressed += 13 + 10 + m.answer.back().rdata.size();
  }
  Bytes wire = build_ok(m);
  EXPECT_EQ(uncompressed, 449u);
  // Each record: pointer owner (2) + 10 + preference (2) + "mxN" (4) + pointer (2) = 20.
  EXPECT_EQ(wire.size(), dns::kHeaderSize + 17 + 10 * 20);
  expect_same(parse_ok(wire), m);
}

// ---------------------------------------------------------------------------------------------
// Round trips.

dns::Message full_response() {
  dns::Message m;
  m.header = response_header(0xBEEF);
  m.header.aa = true;
  m.header.ad = true;
  m.header.rcode = dns::rcode::BADVERS;  // 16: needs the OPT record's extended bits
  m.question.push_back({name("www.Example.com."), rrtype::A, dns::rrclass::IN});
  m.answer = {
      rr("www.Example.com.", rrtype::CNAME, 300, "web.Example.com."),
      rr("web.Example.com.", rrtype::A, 300, "192.0.2.10"),
      rr("web.Example.com.", rrtype::A, 300, "192.0.2.11"),
      rr("web.Example.com.", rrtype::AAAA, 300, "2001:db8::10"),
      rr("Example.com.", rrtype::MX, 300, "10 mail.Example.com."),
      rr("_smtp._tcp.Example.com.", rrtype::SRV, 300, "0 5 25 mail.Example.com."),
      {name("Example.com."), rrtype::TXT, dns::rrclass::IN, 60, hex("05 68656c6c6f 00")},
      rr("Example.com.", rrtype::RRSIG, 300,
         "A 13 2 300 20300101000000 20200101000000 12345 Example.com. AAECAwQFBgc="),
      {name("Example.com."), 65280, dns::rrclass::IN, 1, hex("c00c ffff")},  // opaque
  };
  m.authority = {
      rr("Example.com.", rrtype::NS, 3600, "ns1.Example.com."),
      rr("Example.com.", rrtype::NS, 3600, "ns2.elsewhere.net."),
      rr("Example.com.", rrtype::SOA, 3600,
         "ns1.Example.com. hostmaster.Example.com. 2024010101 7200 3600 1209600 300"),
  };
  m.additional = {
      rr("ns1.Example.com.", rrtype::A, 3600, "192.0.2.53"),
      rr("ns1.Example.com.", rrtype::AAAA, 3600, "2001:db8::53"),
  };
  dns::Edns edns;
  edns.udp_payload_size = 1232;
  edns.extended_rcode = 1;
  edns.do_bit = true;
  edns.options = {{dns::edns_option::NSID, {}},
                  {dns::edns_option::COOKIE, hex("0102030405060708 1112131415161718")}};
  m.edns = edns;
  return m;
}

TEST(Message, RoundTripAllSectionsWithEdns) {
  const dns::Message m = full_response();
  Bytes wire = build_ok(m);
  dns::Message back = parse_ok(wire);
  expect_same(back, m);
  EXPECT_EQ(back.header.rcode, 16);
  ASSERT_TRUE(back.edns);
  EXPECT_EQ(back.edns->extended_rcode, 1);
  ASSERT_NE(back.edns->find_option(dns::edns_option::COOKIE), nullptr);
  EXPECT_EQ(back.edns->find_option(dns::edns_option::COOKIE)->data.size(), 16u);
  EXPECT_EQ(back.edns->find_option(dns::edns_option::PADDING), nullptr);
  // The header says BADVERS's low bits (0) and the OPT, last, carries the upper ones (1).
  EXPECT_EQ(wire[3] & 0x0F, 0);
  EXPECT_EQ(wire[11], m.additional.size() + 1);  // ARCOUNT counts the OPT record
  const Bytes opt_tail =
      hex("00 0029 04d0 01 00 8000 0018 0003 0000 000a 0010"
          "0102030405060708 1112131415161718");
  ASSERT_GT(wire.size(), opt_tail.size());
  EXPECT_EQ(to_hex({wire.data() + wire.size() - opt_tail.size(), opt_tail.size()}),
            to_hex(opt_tail));
  // Building the parsed message again gives the same octets.
  EXPECT_EQ(to_hex(build_ok(back)), to_hex(wire));
}

TEST(Message, HeaderFlagsRoundTrip) {
  struct Case {
    const char* what;
    dns::Header header;
    std::uint8_t byte2, byte3;
  };
  auto h = [](auto set) {
    dns::Header x;
    x.id = 7;
    set(x);
    return x;
  };
  const Case cases[] = {
      {"none", h([](dns::Header&) {}), 0x00, 0x00},
      {"qr", h([](dns::Header& x) { x.qr = true; }), 0x80, 0x00},
      {"opcode NOTIFY", h([](dns::Header& x) { x.opcode = dns::opcode::NOTIFY; }), 0x20, 0x00},
      {"opcode 15", h([](dns::Header& x) { x.opcode = 15; }), 0x78, 0x00},
      {"aa", h([](dns::Header& x) { x.aa = true; }), 0x04, 0x00},
      {"tc", h([](dns::Header& x) { x.tc = true; }), 0x02, 0x00},
      {"rd", h([](dns::Header& x) { x.rd = true; }), 0x01, 0x00},
      {"ra", h([](dns::Header& x) { x.ra = true; }), 0x00, 0x80},
      {"z", h([](dns::Header& x) { x.z = true; }), 0x00, 0x40},
      {"ad", h([](dns::Header& x) { x.ad = true; }), 0x00, 0x20},
      {"cd", h([](dns::Header& x) { x.cd = true; }), 0x00, 0x10},
      {"NXDOMAIN", h([](dns::Header& x) { x.rcode = dns::rcode::NXDOMAIN; }), 0x00, 0x03},
      {"rcode 15", h([](dns::Header& x) { x.rcode = 15; }), 0x00, 0x0F},
  };
  for (const auto& c : cases) {
    dns::Message m;
    m.header = c.header;
    Bytes wire = build_ok(m);
    ASSERT_EQ(wire.size(), dns::kHeaderSize) << c.what;
    EXPECT_EQ(wire[2], c.byte2) << c.what;
    EXPECT_EQ(wire[3], c.byte3) << c.what;
    EXPECT_EQ(parse_ok(wire).header, c.header) << c.what;
  }
}

TEST(Message, CaseIsPreserved) {
  Bytes buffer(512);
  dns::MessageBuilder b(buffer, response_header());
  ASSERT_TRUE(b.add_question(name("wWw.ExAmPlE.cOm.").wire(), rrtype::CNAME, dns::rrclass::IN));
  // The same octets are pointed at; a name differing only in case is written out.
  ASSERT_TRUE(b.add_record(Section::Answer,
                           rr("wWw.ExAmPlE.cOm.", rrtype::CNAME, 60, "Target.ExAmPlE.cOm.")));
  ASSERT_TRUE(b.add_record(Section::Answer, rr("www.example.com.", rrtype::A, 60, "192.0.2.1")));
  auto wire = b.finish();
  const Bytes expected =
      hex("1234 8180 0001 0002 0000 0000"
          "03 775777 07 4578416d506c45 03 634f6d 00 0005 0001"
          "c00c 0005 0001 0000003c 0009 06 546172676574 c010"
          "03 777777 07 6578616d706c65 03 636f6d 00 0001 0001 0000003c 0004 c0000201");
  EXPECT_EQ(to_hex(wire), to_hex(expected));
  auto m = parse_ok(wire);
  EXPECT_EQ(m.question[0].name.to_text(), "wWw.ExAmPlE.cOm.");
  EXPECT_EQ(m.answer[0].owner.to_text(), "wWw.ExAmPlE.cOm.");
  EXPECT_EQ(to_hex(m.answer[0].rdata), to_hex(name("Target.ExAmPlE.cOm.").wire()));
  EXPECT_EQ(m.answer[1].owner.to_text(), "www.example.com.");
}

// ---------------------------------------------------------------------------------------------
// Rdata names: compressed on read for the types RFC 3597 §4 allows (the table's
// decompress_names), compressed on write only for RFC 1035's types (CompressedName).

Bytes one_answer(std::uint16_t type, const Bytes& rdata) {
  Bytes header = hex("0001 8000 0001 0001 0000 0000");
  Bytes question = hex("07 6578616d706c65 03 636f6d 00 0001 0001");  // example.com at 12
  Bytes fixed = hex("c00c");
  fixed.push_back(static_cast<std::uint8_t>(type >> 8));
  fixed.push_back(static_cast<std::uint8_t>(type));
  Bytes rest = hex("0001 00000e10");
  rest.push_back(static_cast<std::uint8_t>(rdata.size() >> 8));
  rest.push_back(static_cast<std::uint8_t>(rdata.size()));
  return concat({header, question, fixed, rest, rdata});
}

TEST(Message, RdataNamesAreDecompressedWhereTheTableAllows) {
  struct Case {
    std::uint16_t type;
    const char* rdata_hex;  // as sent; c00c is example.com
    const char* canonical;  // presentation form of the expected canonical rdata
  };
  const Case cases[] = {
      {rrtype::NS, "02 6e73 c00c", "ns.example.com."},
      {rrtype::CNAME, "03 777777 c00c", "www.example.com."},
      {rrtype::PTR, "c00c", "example.com."},
      {rrtype::MX, "000a 04 6d61696c c00c", "10 mail.example.com."},
      {rrtype::SOA,
       "02 6e73 c00c 0a 686f73746d6173746572 c00c 00000001 00000e10 00000384 00093a80 0000012c",
       "ns.example.com. hostmaster.example.com. 1 3600 900 604800 300"},
      // RFC 3597 §4 lists SRV among the types whose names may arrive compressed (RFC 2052 did
      // compress them), and the type table says so.
      {rrtype::SRV, "0000 0005 0019 04 6d61696c c00c", "0 5 25 mail.example.com."},
      // Uncompressed names in any type are read as they are, case and all.
      {rrtype::RRSIG,
       "0001 0d 02 0000012c 70dbd880 5e0be100 3039 07 4578616d706c65 03 636f6d 00 00010203",
       "A 13 2 300 20300101000000 20200101000000 12345 Example.com. AAECAw=="},
  };
  for (const auto& c : cases) {
    auto m = dns::parse_message(one_answer(c.type, hex(c.rdata_hex)));
    ASSERT_TRUE(m) << dns::type_to_text(c.type) << ": " << m.error().message;
    ASSERT_EQ(m->answer.size(), 1u);
    EXPECT_EQ(to_hex(m->answer[0].rdata), to_hex(rd(c.type, c.canonical)))
        << dns::type_to_text(c.type);
  }
  // A compressed name where the type allows none is malformed rdata.
  auto rrsig = dns::parse_message(
      one_answer(rrtype::RRSIG, hex("0001 0d 02 0000012c 70dbd880 5e0be100 3039 c00c 00010203")));
  ASSERT_FALSE(rrsig);
  EXPECT_EQ(rrsig.error().message.rfind("answer record 1: ", 0), 0u) << rrsig.error().message;
  EXPECT_NE(rrsig.error().message.find("RRSIG"), std::string::npos) << rrsig.error().message;
}

TEST(MessageBuilder, OnlyRfc1035RdataNamesAreCompressed) {
  dns::Message m;
  m.question.push_back({name("example.com."), rrtype::ANY, dns::rrclass::IN});
  m.answer = {rr("example.com.", rrtype::SRV, 60, "0 5 25 mail.example.com."),
              rr("example.com.", rrtype::MX, 60, "10 mail.example.com.")};
  Bytes wire = build_ok(m);
  // SRV target written in full (RFC 2782, RFC 3597 §4): 6 + 18 octets of rdata at offset 41.
  EXPECT_EQ(to_hex({wire.data() + 39, 26}),
            "0018"
            "000000050019"
            "046d61696c076578616d706c6503636f6d00");
  // MX exchange points into the SRV target? No: rdata names of other types are not remembered,
  // so it points at the question's example.com.
  const Bytes mx_rdata = hex("000a 04 6d61696c c00c");
  EXPECT_EQ(to_hex({wire.data() + wire.size() - mx_rdata.size(), mx_rdata.size()}),
            to_hex(mx_rdata));
  expect_same(parse_ok(wire), m);
}

// ---------------------------------------------------------------------------------------------
// Malformed messages: each an error value naming the place and the fault.

Bytes header(std::uint16_t qd, std::uint16_t an, std::uint16_t ns, std::uint16_t ar) {
  Bytes h = hex("abcd 0100");
  for (std::uint16_t c : {qd, an, ns, ar}) {
    h.push_back(static_cast<std::uint8_t>(c >> 8));
    h.push_back(static_cast<std::uint8_t>(c));
  }
  return h;
}

Bytes labels(int count, int length) {
  Bytes out;
  for (int i = 0; i < count; ++i) {
    out.push_back(static_cast<std::uint8_t>(length));
    out.insert(out.end(), static_cast<std::size_t>(length), 'x');
  }
  return out;
}

TEST(Message, MalformedInputIsAnErrorValue) {
  const Bytes question = hex("07 6578616d706c65 03 636f6d 00 000f 0001");  // 12..28
  const Bytes a_record = hex("c00c 0001 0001 00000e10 0004 c0000201");
  const Bytes opt = hex("00 0029 1000 00000000 0000");
  struct Case {
    const char* what;
    Bytes wire;
    const char* error;  // a fragment of the expected message
  };
  const Case cases[] = {
      {"empty", {}, "header: message is 0 octets, shorter than the 12-octet header"},
      {"short header", hex("1234 0100 0000 0000 0000 00"), "11 octets, shorter than the 12"},
      {"question count beyond the data", header(1, 0, 0, 0),
       "header: counts of 1/0/0/0 need at least 5 octets, but 0 follow the header"},
      {"record counts beyond the data", concat({header(1, 65535, 0, 0), question}),
       "counts of 1/65535/0/0 need at least 720890 octets, but 17 follow"},
      {"label past the end", concat({header(1, 0, 0, 0), hex("07 616263 00 0001")}),
       "question 1: label runs past the end of the message"},
      {"pointer to itself", concat({header(1, 0, 0, 0), hex("c00c 0001 0001")}),
       "question 1: compression pointer does not point backwards"},
      {"forward pointer", concat({header(1, 0, 0, 0), hex("c010 0001 0001 00")}),
       "question 1: compression pointer does not point backwards"},
      {"pointer loop through two names",
       concat({header(2, 0, 0, 0), hex("01 61 c012 0001 0001 c00c 0001 0001")}),
       "question 1: compression pointer does not point backwards"},
      {"unknown label type", concat({header(1, 0, 0, 0), hex("40 0001 0001 00")}),
       "question 1: unknown label type"},
      {"name over 255 octets", concat({header(1, 0, 0, 0), labels(5, 63), hex("00 0001 0001")}),
       "question 1: name longer than 255 octets"},
      {"name over 255 octets through a pointer",
       concat({header(2, 0, 0, 0), labels(3, 63), hex("00 0001 0001"), labels(2, 63),
               hex("c00c 0001 0001")}),
       "question 2: name longer than 255 octets"},
      {"QTYPE cut short", concat({header(1, 0, 0, 0), hex("03 616263 00 00")}),
       "question 1: QTYPE runs past the end of the message"},
      {"rdata length cut short",
       concat({header(0, 1, 0, 0), hex("01 61 00 0001 0001 00000e10 00")}),
       "answer record 1: rdata length runs past the end of the message"},
      {"rdata past the end",
       concat({header(0, 1, 0, 0), hex("00 0001 0001 00000e10 000a c0000201")}),
       "answer record 1: rdata runs past the end of the message"},
      {"second record broken",
       concat({header(1, 2, 0, 0), question, a_record, hex("c00c 0001 0001 00000e10 0005 c0")}),
       "answer record 2: rdata runs past the end of the message"},
      {"authority record broken",
       concat({header(1, 1, 1, 0), question, a_record, hex("c00c 0002 0001 00000e10 0002 c0")}),
       "authority record 1: rdata runs past the end of the message"},
      {"trailing octets", concat({header(1, 0, 0, 0), question, hex("00")}),
       "trailing data: 1 octet after the last record"},
      {"OPT in the answer section", concat({header(0, 1, 0, 0), opt}),
       "answer record 1: OPT record in the answer section (RFC 6891 §6.1.1)"},
      {"OPT in the authority section", concat({header(0, 0, 1, 0), opt}),
       "authority record 1: OPT record in the authority section"},
      {"two OPT records", concat({header(0, 0, 0, 2), opt, opt}),
       "additional record 2: more than one OPT record (RFC 6891 §6.1.1)"},
      {"OPT owner not the root",
       concat({header(0, 0, 0, 1), hex("01 61 00 0029 1000 00000000 0000")}),
       "additional record 1: OPT owner name is not the root (RFC 6891 §6.1.2)"},
      {"OPT option data cut short",
       concat({header(0, 0, 0, 1), hex("00 0029 1000 00000000 0006 000a 0004 0102")}),
       "additional record 1: OPT option 10 runs past the end of the rdata"},
      {"OPT option header cut short",
       concat({header(0, 0, 0, 1), hex("00 0029 1000 00000000 0002 000a")}),
       "additional record 1: OPT option header runs past the end of the rdata"},
      {"MX exchange pointing at itself",
       concat({header(1, 1, 0, 0), question, hex("c00c 000f 0001 00000e10 0004 000a c02b")}),
       "answer record 1: MX exchange: compression pointer does not point backwards"},
      {"MX exchange running out of its rdata",
       concat({header(1, 1, 0, 0), question, hex("c00c 000f 0001 00000e10 0007 000a 04 6d61696c"),
               hex("c00c")}),
       "answer record 1: MX exchange: name runs past the end of the message"},
      {"MX rdata longer than its fields",
       concat({header(1, 1, 0, 0), question, hex("c00c 000f 0001 00000e10 0005 000a c00c ff")}),
       "answer record 1: MX rdata longer than its fields"},
      {"A rdata of 3 octets",
       concat({header(1, 1, 0, 0), question, hex("c00c 0001 0001 00000e10 0003 c00002")}),
       "answer record 1: rdata does not decode as A"},
      {"MX without rdata in class IN",
       concat({header(1, 1, 0, 0), question, hex("c00c 000f 0001 00000e10 0000")}),
       "answer record 1: MX preference: malformed field"},
  };
  for (const auto& c : cases) {
    auto m = dns::parse_message(c.wire);
    ASSERT_FALSE(m) << c.what;
    EXPECT_NE(m.error().message.find(c.error), std::string::npos)
        << c.what << ": got \"" << m.error().message << "\"";
  }
}

TEST(Message, UpdateMayCarryEmptyRdataWithClassAnyOrNone) {
  // RFC 2136 §2.5.2: delete an RRset is class ANY, TTL 0, no rdata, for any type.
  Bytes wire = concat({hex("0001 2800 0001 0000 0001 0000"),
                       hex("07 6578616d706c65 03 636f6d 00 0006 0001"),  // zone section
                       hex("c00c 000f 00ff 00000000 0000")});
  auto m = parse_ok(wire);
  EXPECT_EQ(m.header.opcode, dns::opcode::UPDATE);
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].cls, dns::rrclass::ANY);
  EXPECT_TRUE(m.authority[0].rdata.empty());
  EXPECT_EQ(to_hex(build_ok(m)), to_hex(wire));
}

TEST(Message, OnlyClassInRdataIsCheckedAgainstTheTableLayouts) {
  // A CHAOS-class A record holds a name and a 16-bit address (RFC 1035 §3.4.1 defines A for IN
  // only), so the 4-octet IN layout must not be applied to it.
  const Bytes chaos_a = hex("01 61 00 0001 0003 00000000 0005 01 62 00 0102");
  auto m = dns::parse_message(concat({hex("0001 8000 0000 0001 0000 0000"), chaos_a}));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(to_hex(m->answer[0].rdata), "0162000102");
  EXPECT_FALSE(dns::parse_message(concat({hex("0001 8000 0000 0001 0000 0000"),
                                          hex("01 61 00 0001 0001 00000000 0005 01 62 00 0102")})));
}

TEST(Message, ParseIntoReusedMessage) {
  dns::Message m;
  ASSERT_TRUE(dns::parse_message(build_ok(full_response()), m));
  EXPECT_EQ(m.answer.size(), full_response().answer.size());
  dns::Message query;
  query.header.id = 9;
  query.question.push_back({name("a.example."), rrtype::AAAA, dns::rrclass::IN});
  ASSERT_TRUE(dns::parse_message(build_ok(query), m));
  expect_same(m, query);
  EXPECT_FALSE(m.edns);
}

// ---------------------------------------------------------------------------------------------
// Truncation.

TEST(MessageBuilder, TruncationDropsWholeRrsetsAndSetsTc) {
  Bytes buffer(512);
  dns::MessageBuilder b(buffer, response_header());
  dns::Edns edns;
  edns.udp_payload_size = 512;
  ASSERT_TRUE(b.set_edns(edns));
  ASSERT_TRUE(b.add_question(name("example.com.").wire(), rrtype::TXT, dns::rrclass::IN));
  std::vector<Bytes> small, big;
  for (int i = 0; i < 5; ++i) small.push_back(rd(rrtype::A, "192.0.2." + std::to_string(i)));
  for (int i = 0; i < 10; ++i)
    big.push_back(concat({hex("63"), Bytes(99, static_cast<std::uint8_t>('a' + i))}));
  const auto owner = name("example.com.");
  ASSERT_TRUE(b.add_rrset(Section::Answer, owner.wire(), rrtype::A, dns::rrclass::IN, 60, small));
  const std::size_t before = b.size();
  EXPECT_FALSE(b.add_rrset(Section::Answer, owner.wire(), rrtype::TXT, dns::rrclass::IN, 60, big));
  EXPECT_TRUE(b.truncated());
  EXPECT_EQ(b.size(), before);  // nothing of the TXT RRset is left
  EXPECT_EQ(b.count(Section::Answer), 5);
  // Closed: even a record that would fit is refused, so TC describes the message.
  EXPECT_FALSE(
      b.add_record(Section::Authority, owner.wire(), rrtype::A, dns::rrclass::IN, 60, small[0]));
  auto wire = b.finish();
  EXPECT_LE(wire.size(), 512u);
  auto m = parse_ok(wire);
  EXPECT_TRUE(m.header.tc);
  EXPECT_EQ(m.answer.size(), 5u);
  EXPECT_TRUE(m.authority.empty());
  ASSERT_TRUE(m.edns);  // the OPT record survives truncation (RFC 6891 §7)
  EXPECT_EQ(m.edns->udp_payload_size, 512);
}

TEST(MessageBuilder, RecordByRecordTruncationKeepsCountsConsistent) {
  for (std::size_t limit : {12u, 29u, 40u, 45u, 100u, 200u, 333u}) {
    Bytes buffer(limit);
    dns::MessageBuilder b(buffer, response_header());
    std::size_t added = 0;
    if (b.add_question(name("example.com.").wire(), rrtype::A, dns::rrclass::IN))
      for (int i = 0; i < 50; ++i, ++added)
        if (!b.add_record(Section::Answer, name("example.com.").wire(), rrtype::A, dns::rrclass::IN,
                          60, rd(rrtype::A, "192.0.2.1")))
          break;
    auto wire = b.finish();
    ASSERT_LE(wire.size(), limit);
    auto m = parse_ok(wire);
    EXPECT_TRUE(m.header.tc) << limit;
    EXPECT_EQ(m.answer.size(), added) << limit;
  }
}

TEST(MessageBuilder, AdditionalOverflowDoesNotSetTc) {
  Bytes buffer(62);
  dns::MessageBuilder b(buffer, response_header());
  ASSERT_TRUE(b.add_question(name("example.com.").wire(), rrtype::NS, dns::rrclass::IN));
  ASSERT_TRUE(b.add_record(Section::Answer, rr("example.com.", rrtype::NS, 60, "ns.example.com.")));
  // RFC 2181 §9: extra data that does not fit is left out without TC.
  EXPECT_FALSE(
      b.add_record(Section::Additional, rr("ns.example.com.", rrtype::AAAA, 60, "2001:db8::1")));
  EXPECT_FALSE(b.truncated());
  EXPECT_TRUE(b.add_record(Section::Additional, rr("ns.example.com.", rrtype::A, 60, "192.0.2.1")));
  b.set_truncated();  // the caller decides the glue was required (RFC 9471)
  auto m = parse_ok(b.finish());
  EXPECT_TRUE(m.header.tc);
  EXPECT_EQ(m.additional.size(), 1u);
}

TEST(MessageBuilder, MarkAndRollback) {
  Bytes buffer(512);
  dns::MessageBuilder b(buffer, response_header());
  ASSERT_TRUE(b.add_question(name("example.com.").wire(), rrtype::MX, dns::rrclass::IN));
  const auto mark = b.mark();
  ASSERT_TRUE(
      b.add_record(Section::Answer, rr("example.com.", rrtype::MX, 60, "10 a.example.com.")));
  ASSERT_TRUE(b.add_record(Section::Authority, rr("b.example.com.", rrtype::A, 60, "192.0.2.2")));
  b.rollback(mark);
  EXPECT_EQ(b.count(Section::Answer), 0);
  // Names written after the mark are forgotten: "b.example.com" is written out again in full.
  ASSERT_TRUE(b.add_record(Section::Answer, rr("b.example.com.", rrtype::A, 60, "192.0.2.2")));
  auto wire = b.finish();
  EXPECT_EQ(to_hex({wire.data() + 29, 4}), "0162c00c");
  EXPECT_EQ(parse_ok(wire).answer.size(), 1u);
}

TEST(MessageBuilder, EdnsReservationAndReplacement) {
  Bytes buffer(40);
  dns::MessageBuilder b(buffer, dns::Header{});
  dns::Edns big;
  big.options = {{dns::edns_option::PADDING, Bytes(30)}};
  EXPECT_FALSE(b.set_edns(big));  // 12 + 11 + 34 > 40
  dns::Edns plain;
  plain.udp_payload_size = 4096;
  ASSERT_TRUE(b.set_edns(plain));
  EXPECT_EQ(b.room(), 40u - 12 - 11);
  plain.udp_payload_size = 1400;
  ASSERT_TRUE(b.set_edns(plain));  // replaces, does not add
  EXPECT_EQ(b.room(), 40u - 12 - 11);
  auto m = parse_ok(b.finish());
  ASSERT_TRUE(m.edns);
  EXPECT_EQ(m.edns->udp_payload_size, 1400);
}

TEST(MessageBuilder, ProgrammingErrorsThrow) {
  Bytes buffer(512);
  {
    dns::MessageBuilder b(buffer, dns::Header{});
    ASSERT_TRUE(b.add_record(Section::Authority, rr("a.", rrtype::A, 1, "192.0.2.1")));
    EXPECT_THROW(b.add_record(Section::Answer, rr("a.", rrtype::A, 1, "192.0.2.1")),
                 std::logic_error);
    EXPECT_THROW(b.add_question(name("a.").wire(), 1, 1), std::logic_error);
  }
  {
    dns::Header h;
    h.rcode = dns::rcode::BADVERS;
    dns::MessageBuilder b(buffer, h);
    EXPECT_THROW(b.finish(), std::logic_error);
  }
  Bytes tiny(11);
  EXPECT_THROW({ dns::MessageBuilder b(tiny, dns::Header{}); }, std::invalid_argument);
  dns::Message m;
  m.header.rcode = dns::rcode::BADCOOKIE;
  EXPECT_FALSE(dns::build_message(m));
}

TEST(Message, BuildMessageTruncatesAtRrsets) {
  dns::Message m = full_response();
  for (std::size_t limit : {100u, 150u, 200u, 300u, 400u}) {
    Bytes wire = build_ok(m, limit);
    ASSERT_LE(wire.size(), limit);
    auto back = parse_ok(wire);
    EXPECT_TRUE(back.header.tc) << limit;
    ASSERT_TRUE(back.edns);
    // What is kept is a prefix of each section that ends at an RRset boundary.
    for (Section s : {Section::Answer, Section::Authority, Section::Additional}) {
      const auto& got = back.records(s);
      const auto& all = m.records(s);
      ASSERT_LE(got.size(), all.size());
      for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], all[i]);
      if (!got.empty() && got.size() < all.size()) {
        const auto& last = got.back();
        const auto& next = all[got.size()];
        EXPECT_FALSE(last.owner == next.owner && last.type == next.type) << limit;
      }
    }
  }
}

TEST(Message, LargeMessagePastThePointerRange) {
  // Names written past offset 0x3FFF cannot be pointed at; they must still be right.
  dns::Message m;
  m.question.push_back({name("example.com."), rrtype::TXT, dns::rrclass::IN});
  for (int i = 0; i < 300; ++i) {
    std::string owner = std::to_string(i % 150);  // GCC 12 warns falsely on "t" + to_string()
    owner.insert(0, 1, 't');
    owner += ".example.com.";
    m.answer.push_back(
        {name(owner), rrtype::TXT, dns::rrclass::IN, 60, concat({hex("63"), Bytes(99, 'x')})});
  }
  Bytes wire = build_ok(m);
  EXPECT_GT(wire.size(), 0x4000u);
  expect_same(parse_ok(wire), m);
}

TEST(Message, RewritingAParsedMessageMayNeedTruncation) {
  // SRV targets may arrive compressed (RFC 3597 §4) but go out in full, so a message read in
  // can outgrow 64 KiB when written: 300 records of 20 octets become 300 of ~270.
  Bytes wire = concat({header(1, 300, 0, 0), labels(4, 61), hex("00 0021 0001")});
  for (int i = 0; i < 300; ++i) {
    Bytes srv = hex("c00c 0021 0001 0000003c 0008 0000 0000 0019 c00c");
    srv[17] = static_cast<std::uint8_t>(i);  // the port, so no two records are the same
    wire.insert(wire.end(), srv.begin(), srv.end());
  }
  auto first = parse_ok(wire);
  ASSERT_EQ(first.answer.size(), 300u);
  Bytes rewritten = build_ok(first);
  EXPECT_LE(rewritten.size(), dns::kMaxMessageSize);
  auto second = parse_ok(rewritten);
  EXPECT_TRUE(second.header.tc);
  ASSERT_LT(second.answer.size(), 300u);
  // The records are one RRset, so RFC 2181 §9 drops it whole.
  EXPECT_TRUE(second.answer.empty());
}

// Writes the fuzzer's seed corpus when MXKIT_WRITE_MESSAGE_CORPUS names a directory:
//   MXKIT_WRITE_MESSAGE_CORPUS=fuzz/corpus/message build-msg/tests/unit/mxkit_unit_tests
//     --gtest_filter=Message.SeedCorpus
TEST(Message, SeedCorpus) {
  const char* dir = std::getenv("MXKIT_WRITE_MESSAGE_CORPUS");
  if (!dir) GTEST_SKIP() << "MXKIT_WRITE_MESSAGE_CORPUS not set";
  auto write = [&](const std::string& file, std::span<const std::uint8_t> wire) {
    std::ofstream out(std::filesystem::path(dir) / file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(wire.data()),
              static_cast<std::streamsize>(wire.size()));
  };
  dns::Message query;
  query.header.id = 0x4242;
  query.header.rd = true;
  query.question.push_back({name("www.example.com."), rrtype::A, dns::rrclass::IN});
  write("query-a", build_ok(query));
  query.edns = dns::Edns{};
  query.edns->do_bit = true;
  query.edns->options = {{dns::edns_option::COOKIE, hex("0102030405060708")}};
  write("query-edns-cookie", build_ok(query));
  write("response-full", build_ok(full_response()));
  write("response-truncated", build_ok(full_response(), 200));
  write("response-compressed-rdata",
        one_answer(rrtype::SOA, hex("02 6e73 c00c 0a 686f73746d6173746572 c00c 00000001 "
                                    "00000e10 00000384 00093a80 0000012c")));
  write("response-srv-compressed", one_answer(rrtype::SRV, hex("0000 0005 0019 04 6d61696c c00c")));
  // Names written out in full, some differing only in case: mutations of these reach the
  // compression code with names it must not merge.
  write("response-uncompressed-mixed-case",
        hex("0007 8180 0001 0002 0000 0000"
            "03 775777 07 4578416d506c45 03 634f6d 00 0001 0001"
            "03 775777 07 4578416d506c45 03 634f6d 00 0005 0001 0000003c 0011"
            "03 777777 07 6578616d706c65 03 636f6d 00"
            "03 777777 07 6578616d706c65 03 636f6d 00 0001 0001 0000003c 0004 c0000201"));
  write("update-delete-rrset", concat({hex("0001 2800 0001 0000 0001 0000"),
                                       hex("07 6578616d706c65 03 636f6d 00 0006 0001"),
                                       hex("c00c 000f 00ff 00000000 0000")}));
}

}  // namespace
