// Record data from the wire: octets with no text of their own, names compressed in messages
// (RFC 3597 §4), and the hand-written address parsers checked against inet_pton.
#include <arpa/inet.h>

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "dns/rdata.hpp"
#include "dns/rdata_inet.hpp"
#include "dns/rrtype.hpp"

namespace dns = mxkit::dns;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::string hex(std::span<const std::uint8_t> data) {
  std::string s;
  mxkit::core::append_hex(data, s, false);
  return s;
}

Bytes unhex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(mxkit::core::decode_hex(text, out)) << text;
  return out;
}

std::string to_text(std::uint16_t type, const Bytes& wire) {
  std::string s;
  dns::append_rdata_text(type, wire, s);
  return s;
}

// Reads the text back through the generic-form path (the only one these octets can take).
bool generic_reads_back(std::uint16_t type, const Bytes& wire) {
  std::string text;
  dns::append_generic_rdata_text(wire, text);
  std::vector<dns::Token> tokens;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    tokens.push_back({std::string_view(text).substr(at, end - at), false, 1, 1});
    at = end + 1;
  }
  Bytes back;
  static const Bytes root = {0};
  return dns::rdata_from_text(type, tokens, root, back) && back == wire;
}

struct Untextable {
  std::uint16_t type;
  const char* wire;
  bool well_formed;  // decodes as the type, so its \# form reads back
};

// Octets that must come out in the RFC 3597 generic form.
const Untextable kUntextable[] = {
    {dns::rrtype::A, "010203", false},
    {dns::rrtype::A, "", false},
    {dns::rrtype::A, "0102030405", false},
    {dns::rrtype::AAAA, "00", false},
    {dns::rrtype::TXT, "", false},               // RFC 1035 §3.3.14: one or more strings
    {dns::rrtype::TXT, "05616263", false},       // a string runs past the end
    {dns::rrtype::HINFO, "0141", false},         // the second string is missing
    {dns::rrtype::MX, "000a", false},
    {dns::rrtype::NS, "c00c", false},            // compression has no place in stored rdata
    {dns::rrtype::NS, "0361626300ff", false},    // octets after the name
    {dns::rrtype::NS, "40" "61", false},         // a label longer than 63
    {dns::rrtype::DS, "00010802", false},        // no digest
    {dns::rrtype::NSEC, "00000100", true},       // RFC 4034 §4.1.2: a trailing zero octet
    {dns::rrtype::NSEC, "00010140000140", true},  // windows out of order
    {dns::rrtype::NSEC, "000000", false},        // a window of length 0
    {dns::rrtype::NSEC, "000021" "ff", false},   // a window longer than 32
    {dns::rrtype::NSEC3, "010000000000", false},  // the hashed owner is empty
    {dns::rrtype::SVCB, "000100" "00030002" "01bb" "00010003" "026832", true},  // keys descend
    {dns::rrtype::SVCB, "000100" "00010005" "026832", false},  // a value runs past the end
    {dns::rrtype::SVCB, "000100" "000100", false},             // half a key
    {dns::rrtype::LOC, "01" "000102030405060708090a0b0c0d0e", true},  // RFC 1876 version 1
    {dns::rrtype::LOC, "00" "1216138000000080000000009896", false},   // 15 octets
    {dns::rrtype::LOC, "00121613" "9386c780" "80000000" "00989680", true},  // latitude 91°
    {dns::rrtype::LOC, "00a01613" "80000000" "80000000" "00989680", true},  // mantissa 10
    {dns::rrtype::LOC, "00051613" "80000000" "80000000" "00989680", true},  // 0e5: no text
    {dns::rrtype::APL, "00011803c0a800", true},   // a trailing zero octet in the address
    {dns::rrtype::APL, "00012105c0a8000001", false},  // IPv4 address of 5 octets
    {dns::rrtype::APL, "00030802abcd", true},     // an address family with no text form
    {dns::rrtype::APL, "000121", false},          // half an item
    {dns::rrtype::APL, "00012100", true},         // prefix 33 for IPv4
    {dns::rrtype::CAA, "000669732d7375653b61", true},  // RFC 8659 tag with a '-'
    {dns::rrtype::CAA, "000061", false},          // RFC 8659 §4.1: an empty tag
    {dns::rrtype::IPSECKEY, "0a0400" "abcdef", true},  // RFC 4025 gateway type 4: opaque
    {dns::rrtype::IPSECKEY, "0a0000" "ff", true},      // a key with algorithm 0
    {dns::rrtype::IPSECKEY, "0a0101" "c0000201", true},  // algorithm 1 without its key
    {dns::rrtype::IPSECKEY, "0a0100" "c00002", false},   // IPv4 gateway cut short
    {dns::rrtype::AMTRELAY, "0a05", true},          // relay type 5
    {dns::rrtype::AMTRELAY, "0a02" "00", false},    // IPv6 relay cut short
    {dns::rrtype::RRSIG, "0001050300015180" "3e7c9dd7" "3e5510d7" "0a52" "c00c", false},
    {dns::rrtype::DELEG, "00030003" "0000", false},  // server-name value runs past the end
};

TEST(RdataWire, OctetsWithoutTextUseTheGenericForm) {
  for (const auto& u : kUntextable) {
    SCOPED_TRACE(dns::type_to_text(u.type) + " " + u.wire);
    const Bytes wire = unhex(u.wire);
    std::string expected = "\\# " + std::to_string(wire.size());
    if (!wire.empty()) {
      expected.push_back(' ');
      mxkit::core::append_hex(wire, expected);
    }
    EXPECT_EQ(to_text(u.type, wire), expected);
    EXPECT_EQ(dns::rdata_is_well_formed(u.type, wire), u.well_formed);
    EXPECT_EQ(generic_reads_back(u.type, wire), u.well_formed);
  }
}

struct WireFirst {
  std::uint16_t type;
  const char* wire;
  const char* text;
};

// Octets that are not what our own parser writes, yet have a text that reads back to them.
const WireFirst kWireFirst[] = {
    // mandatory naming an absent key, a port of three octets and an empty dohpath: valid
    // framing, values their named forms cannot carry, so each keeps the keyNNNNN form.
    {dns::rrtype::SVCB, "000100" "000000020001", "1 . key0=\"\\000\\001\""},
    {dns::rrtype::SVCB, "000100" "00030003010203", "1 . key3=\"\\001\\002\\003\""},
    {dns::rrtype::SVCB, "000100" "00070000", "1 . key7"},
    {dns::rrtype::SVCB, "000100" "0001000400026832", "1 . key1=\"\\000\\002h2\""},  // empty id
    {dns::rrtype::SVCB, "000100" "00000004" "00030001" "00010002" "0161" "00030002" "0035",
     "1 . key0=\"\\000\\003\\000\\001\" alpn=\"a\" port=53"},  // mandatory out of order
    {dns::rrtype::HTTPS, "000100" "fde80003" "20283b", "1 . key65000=\"\\032\\040\\059\""},
    {dns::rrtype::DELEG, "00030004" "022c6100", "server-name=\\,a."},
    {dns::rrtype::TXT, "03" "000aff", "\"\\000\\010\\255\""},
    {dns::rrtype::NS, "042028292200", "\\032\\(\\)\\\"."},
    {dns::rrtype::AAAA, "00000000000000000000ffffc0000201", "::ffff:192.0.2.1"},
    {dns::rrtype::LOC, "00000000" "7fffffff" "80000001" "00000000",
     "0 0 0.001 S 0 0 0.001 E -100000.00m 0m 0m 0m"},
    {dns::rrtype::DSYNC, "003b" "09" "0035" "00", "CDS 9 53 ."},
    {dns::rrtype::NSEC, "00" "000120" "010120", ". NS AVC"},
};

TEST(RdataWire, UnusualOctetsStillReadBack) {
  for (const auto& w : kWireFirst) {
    SCOPED_TRACE(dns::type_to_text(w.type) + " " + w.wire);
    const Bytes wire = unhex(w.wire);
    EXPECT_TRUE(dns::rdata_is_well_formed(w.type, wire));
    EXPECT_EQ(to_text(w.type, wire), w.text);
  }
}

// --- RFC 3597 §4: names compressed in messages -------------------------------------------------

// 12 octets of header, then "example.com." at offset 12 for pointers to aim at.
Bytes message_prefix() {
  Bytes m(12, 0);
  const Bytes name = unhex("076578616d706c6503636f6d00");
  m.insert(m.end(), name.begin(), name.end());
  return m;
}

// Rdata for `spec` with every field at a small value and every name "x" + pointer to 12, and
// the same rdata with the names spelled out.
void sample_rdata(const dns::TypeSpec& spec, Bytes& compressed, Bytes& expanded) {
  const Bytes name_ptr = unhex("0178c00c");
  const Bytes name_full = unhex("0178076578616d706c6503636f6d00");
  for (const auto& f : spec.fields) {
    Bytes value;
    switch (f.kind) {
      case dns::FieldKind::U8:
      case dns::FieldKind::Algorithm: value = {8}; break;
      case dns::FieldKind::U16:
      case dns::FieldKind::TypeCode: value = {0, 1}; break;
      case dns::FieldKind::U32:
      case dns::FieldKind::Period:
      case dns::FieldKind::Time: value = {0, 0, 0, 1}; break;
      case dns::FieldKind::CharString: value = {1, 'a'}; break;
      case dns::FieldKind::Base64Rest: value = {1, 2}; break;
      case dns::FieldKind::Name:
      case dns::FieldKind::CompressedName:
        compressed.insert(compressed.end(), name_ptr.begin(), name_ptr.end());
        expanded.insert(expanded.end(), name_full.begin(), name_full.end());
        continue;
      default: FAIL() << spec.mnemonic << " has a field kind this sample does not cover";
    }
    compressed.insert(compressed.end(), value.begin(), value.end());
    expanded.insert(expanded.end(), value.begin(), value.end());
  }
}

TEST(RdataMessage, DecompressesExactlyTheTypesRfc3597Lists) {
  // RFC 3597 §4: the RFC 1035 types, and RP, AFSDB, RT, SIG, PX, NXT, NAPTR, SRV.
  const std::set<std::string_view> listed = {"NS",  "MD",    "MF",    "CNAME", "SOA", "MB",
                                             "MG",  "MR",    "PTR",   "MINFO", "MX",  "RP",
                                             "AFSDB", "RT",  "SIG",   "PX",    "NAPTR", "SRV"};
  for (const auto& spec : dns::all_type_specs()) {
    bool decompressed = false;
    for (const auto& f : spec.fields) {
      decompressed |= f.kind == dns::FieldKind::CompressedName ||
                      (f.kind == dns::FieldKind::Name && spec.decompress_names);
    }
    EXPECT_EQ(decompressed, listed.contains(spec.mnemonic)) << spec.mnemonic;
    if (!decompressed) continue;
    SCOPED_TRACE(spec.mnemonic);
    Bytes compressed, expanded;
    sample_rdata(spec, compressed, expanded);
    Bytes message = message_prefix();
    const std::size_t offset = message.size();
    message.insert(message.end(), compressed.begin(), compressed.end());
    Bytes out;
    auto r = dns::rdata_from_message(spec.code, message, offset, compressed.size(), out);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(hex(out), hex(expanded));
    EXPECT_TRUE(dns::rdata_is_well_formed(spec.code, out));
  }
}

TEST(RdataMessage, OtherTypesAreCopiedAsTheyStand) {
  // A pointer in a type RFC 3597 does not list is not followed: the octets are copied, and
  // they do not decode as the type.
  for (auto type : {dns::rrtype::KX, dns::rrtype::DNAME, dns::rrtype::SVCB, dns::rrtype::ALIAS}) {
    Bytes rdata = type == dns::rrtype::KX || type == dns::rrtype::SVCB ? unhex("000a") : Bytes{};
    rdata.push_back(0xc0);
    rdata.push_back(0x0c);
    Bytes message = message_prefix();
    const std::size_t offset = message.size();
    message.insert(message.end(), rdata.begin(), rdata.end());
    Bytes out;
    ASSERT_TRUE(dns::rdata_from_message(type, message, offset, rdata.size(), out));
    EXPECT_EQ(out, rdata) << dns::type_to_text(type);
    EXPECT_FALSE(dns::rdata_is_well_formed(type, out)) << dns::type_to_text(type);
  }
  // Unknown types too, whatever the octets.
  Bytes message = message_prefix();
  message.push_back(0xc0);
  message.push_back(0x0c);
  Bytes out;
  ASSERT_TRUE(dns::rdata_from_message(999, message, 25, 2, out));
  EXPECT_EQ(hex(out), "c00c");
}

TEST(RdataMessage, RefusesLoopsAndOverReads) {
  struct Case {
    const char* name;
    const char* after_prefix;  // octets appended at offset 25
    std::size_t rdlength;      // of the MX rdata starting at 25
  };
  const Case cases[] = {
      {"pointer to itself", "000ac01b", 4},
      {"pointer forwards", "000ac01f0000", 4},
      {"loop through the prefix", "000ac00c", 4},  // patched below: 12 → 14 → 12
      {"pointer cut short by rdlength", "000a0178c0", 5},
      {"label past rdlength", "000a0561", 4},
      {"no root label before rdlength", "000a0161", 4},
      {"rdlength past the message", "000a00", 9},
      {"too short for the preference", "00", 1},
      {"octets after the exchange", "000a00ff", 4},
      {"unknown label type", "000a8001", 4},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes message = message_prefix();
    if (std::string_view(c.name) == "loop through the prefix") {
      message[12] = 0xc0;  // 12 → 14
      message[13] = 0x0e;
      message[14] = 0xc0;  // 14 → 12
      message[15] = 0x0c;
    }
    const Bytes tail = unhex(c.after_prefix);
    message.insert(message.end(), tail.begin(), tail.end());
    Bytes out;
    EXPECT_FALSE(dns::rdata_from_message(dns::rrtype::MX, message, 25, c.rdlength, out));
  }
  // Past the end for a type copied whole.
  Bytes message = message_prefix();
  Bytes out;
  EXPECT_FALSE(dns::rdata_from_message(dns::rrtype::A, message, 20, 10, out));
  EXPECT_FALSE(dns::rdata_from_message(dns::rrtype::A, message, 40, 0, out));
}

TEST(RdataMessage, SoaNamesPointIntoEachOther) {
  // mname "ns" + pointer to 12; rname "h" + pointer to mname (offset 25).
  Bytes message = message_prefix();
  const Bytes rdata = unhex("026e73c00c0168c019" "00000001000000020000000300000004" "00000005");
  message.insert(message.end(), rdata.begin(), rdata.end());
  Bytes out;
  ASSERT_TRUE(dns::rdata_from_message(dns::rrtype::SOA, message, 25, rdata.size(), out));
  EXPECT_EQ(to_text(dns::rrtype::SOA, out), "ns.example.com. h.ns.example.com. 1 2 3 4 5");
}

// --- Addresses: the hand-written parsers accept exactly what inet_pton accepts --------------

void expect_same_as_inet_pton(const std::string& text) {
  std::uint8_t ours4[4], theirs4[4], ours6[16], theirs6[16];
  const bool v4 = dns::parse_ipv4(text, ours4);
  ASSERT_EQ(v4, inet_pton(AF_INET, text.c_str(), theirs4) == 1) << '"' << text << '"';
  if (v4) {
    EXPECT_EQ(std::memcmp(ours4, theirs4, 4), 0) << text;
  }
  const bool v6 = dns::parse_ipv6(text, ours6);
  ASSERT_EQ(v6, inet_pton(AF_INET6, text.c_str(), theirs6) == 1) << '"' << text << '"';
  if (v6) {
    EXPECT_EQ(std::memcmp(ours6, theirs6, 16), 0) << text;
  }
}

TEST(RdataAddress, EdgeCasesMatchInetPton) {
  for (const char* text :
       {"", ".", "0.0.0.0", "255.255.255.255", "256.0.0.0", "1.2.3", "1.2.3.4.", ".1.2.3.4",
        "01.2.3.4", "1.2.3.04", "0.0.0.00", "1..2.3", "+1.2.3.4", "1.2.3.4 ", " 1.2.3.4",
        "1.2.3.-4", "0x1.2.3.4", "1234.1.1.1", "::", ":", ":::", "::1", "1::", "1:::2",
        "1::2::3", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "12345::", "0001:2:3:4:5:6:7:8", ":1::",
        "1::2:", "1:2", "g::", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5::1.2.3.4", "::1.2.3", "::1.2.3.4.5", "::01.2.3.4",
        "1.2.3.4::", "::1.2.3.4:5", "FFFF::fFfF", "::ffff:256.1.1.1", "1::2.3.4.5"})
    expect_same_as_inet_pton(text);
}

TEST(RdataAddress, RandomTextMatchesInetPton) {
  // Text built from address-like pieces, so that many samples are valid and many nearly so.
  std::mt19937 rng(20240611);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::string digits = "0123456789abcdefABCDEFx";
  for (int i = 0; i < 200000; ++i) {
    std::vector<char> chars;  // (a vector: GCC 12 misreads string appends here as overlapping)
    auto add = [&](std::string_view piece) { chars.insert(chars.end(), piece.begin(), piece.end()); };
    const int groups = pick(10);
    const bool dotted = pick(3) == 0;
    for (int g = 0; g < groups; ++g) {
      if (g > 0) add(dotted ? "." : pick(6) == 0 ? "::" : ":");
      const int len = pick(6);
      for (int k = 0; k < len; ++k) chars.push_back(dotted ? digits[pick(10)] : digits[pick(23)]);
    }
    if (pick(4) == 0) {  // an IPv4 tail
      add(pick(2) ? ":" : "::");
      for (int g = 0; g < 4; ++g) {
        if (g > 0) chars.push_back('.');
        add(std::to_string(pick(300)));
      }
    }
    if (pick(8) == 0) chars.insert(chars.begin() + pick(static_cast<int>(chars.size()) + 1), ':');
    const std::string text(chars.begin(), chars.end());
    expect_same_as_inet_pton(text);
  }
}

// --- Encodings used by the field codecs -----------------------------------------------------

TEST(RdataEncoding, Base64AcrossPieces) {
  Bytes out;
  mxkit::core::Base64Decoder b64(out);
  for (std::string_view piece : {"Zm", "9v", "Ym", "E="}) EXPECT_TRUE(b64.feed(piece).empty());
  EXPECT_TRUE(b64.finish().empty());
  EXPECT_EQ(std::string(out.begin(), out.end()), "fooba");
  for (std::string_view bad : {"A", "AB=", "A===", "====", "AB=C", "AB==AB==", "AB*D", "ABC=D"}) {
    Bytes o;
    mxkit::core::Base64Decoder d(o);
    EXPECT_FALSE(d.feed(bad).empty() && d.finish().empty()) << bad;
  }
}

TEST(RdataEncoding, Base32HexWithAndWithoutPadding) {
  for (auto [text, expected] : std::initializer_list<std::pair<const char*, const char*>>{
           {"", ""}, {"CO", "66"}, {"CO======", "66"}, {"CPNG", "666f"}, {"cpng====", "666f"},
           {"CPNMU", "666f6f"}, {"CPNMUOG", "666f6f62"}, {"CPNMUOJ1", "666f6f6261"}}) {
    Bytes out;
    ASSERT_TRUE(mxkit::core::decode_base32hex(text, out)) << text;
    EXPECT_EQ(hex(out), expected) << text;
  }
  for (const char* bad : {"C", "CPN", "CPNMUO", "CP======", "CO=====", "CO=======", "CPNG=", "W0",
                          "CO==CO==", "========"}) {
    Bytes out;
    EXPECT_FALSE(mxkit::core::decode_base32hex(bad, out)) << bad;
  }
}

}  // namespace
