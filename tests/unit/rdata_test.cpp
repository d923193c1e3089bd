// Record data: text → wire → text → wire for every type in the table, the RFC 3597 generic
// form, refused text for every field kind, and wire that has no text of its own.
#include "dns/rdata.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "dns/rrtype.hpp"

namespace dns = mxkit::dns;
using Bytes = std::vector<std::uint8_t>;

namespace {

// Splits presentation text into tokens as the zone lexer does: blanks separate words, a word
// keeps its escapes ("\ " included) and any '"' inside it, and "..." is one quoted token.
class TokenList {
 public:
  explicit TokenList(std::string_view text) : text_(text) {
    std::size_t i = 0;
    while (i < text_.size()) {
      if (text_[i] == ' ' || text_[i] == '\t') {
        ++i;
        continue;
      }
      dns::Token tok;
      tok.line = 1;
      tok.column = static_cast<std::uint32_t>(i + 1);
      if (text_[i] == '"') {
        const std::size_t start = ++i;
        while (i < text_.size() && text_[i] != '"') i += text_[i] == '\\' ? 2 : 1;
        tok.text = std::string_view(text_).substr(start, i - start);
        tok.quoted = true;
        ++i;
      } else {
        const std::size_t start = i;
        while (i < text_.size() && text_[i] != ' ' && text_[i] != '\t')
          i += text_[i] == '\\' && i + 1 < text_.size() ? 2 : 1;
        tok.text = std::string_view(text_).substr(start, i - start);
      }
      tokens_.push_back(tok);
    }
  }
  dns::Tokens tokens() const { return tokens_; }

 private:
  std::string text_;
  std::vector<dns::Token> tokens_;
};

const Bytes kRoot = {0};
const Bytes kExample = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};

std::uint16_t type_code(std::string_view mnemonic) {
  auto t = dns::type_from_text(mnemonic);
  EXPECT_TRUE(t) << mnemonic;
  return t.value_or(0);
}

std::string hex(std::span<const std::uint8_t> data) {
  std::string s;
  mxkit::core::append_hex(data, s, false);
  return s;
}

tl::expected<Bytes, dns::RdataError> from_text(std::uint16_t type, std::string_view text,
                                               const Bytes& origin = kRoot) {
  TokenList tokens(text);
  Bytes out;
  auto r = dns::rdata_from_text(type, tokens.tokens(), origin, out);
  if (!r) return tl::unexpected(r.error());
  return out;
}

std::string to_text(std::uint16_t type, const Bytes& wire) {
  std::string s;
  dns::append_rdata_text(type, wire, s);
  return s;
}

struct RoundTrip {
  const char* type;
  const char* text;       // as a zone file might have it
  const char* wire;       // expected octets, hex
  const char* canonical;  // what we print for those octets
};

// One case per type in the table at least; the octets are derived by hand from the RFCs'
// layouts (and, where an RFC gives an example, from that example).
const RoundTrip kRoundTrips[] = {
    {"A", "192.0.2.1", "c0000201", "192.0.2.1"},
    {"NS", "ns1.example.", "036e7331076578616d706c6500", "ns1.example."},
    {"MD", "md.example.", "026d64076578616d706c6500", "md.example."},
    {"MF", "mf.example.", "026d66076578616d706c6500", "mf.example."},
    {"CNAME", "Target.Example.", "06546172676574074578616d706c6500", "Target.Example."},
    {"SOA", "ns.example. admin.example. 2024010101 1h 15m 2w 300",
     "026e73076578616d706c65000561646d696e076578616d706c650078a3f17500000e1000000384001275000000012c",
     "ns.example. admin.example. 2024010101 3600 900 1209600 300"},
    {"MB", "mb.example.", "026d62076578616d706c6500", "mb.example."},
    {"MG", "mg.example.", "026d67076578616d706c6500", "mg.example."},
    {"MR", "mr.example.", "026d72076578616d706c6500", "mr.example."},
    {"PTR", "host.example.", "04686f7374076578616d706c6500", "host.example."},
    {"HINFO", "\"Intel i7\" Linux", "08496e74656c206937054c696e7578", "\"Intel i7\" \"Linux\""},
    {"MINFO", "rm.example. em.example.", "02726d076578616d706c650002656d076578616d706c6500",
     "rm.example. em.example."},
    {"MX", "10 mail.example.", "000a046d61696c076578616d706c6500", "10 mail.example."},
    {"TXT", "\"v=spf1 -all\" plain A\\\"q\\\\", "0b763d73706631202d616c6c05706c61696e044122715c",
     "\"v=spf1 -all\" \"plain\" \"A\\\"q\\\\\""},
    {"RP", "mbox.example. txt.example.", "046d626f78076578616d706c650003747874076578616d706c6500",
     "mbox.example. txt.example."},
    {"AFSDB", "1 afs.example.", "000103616673076578616d706c6500", "1 afs.example."},
    {"X25", "311061700956", "0c333131303631373030393536", "\"311061700956\""},
    {"RT", "10 relay.example.", "000a0572656c6179076578616d706c6500", "10 relay.example."},
    {"SIG", "TYPE0 RSASHA256 0 0 20240201000000 20240101000000 12345 example. AAECAw==",
     "000008000000000065badf00659200803039076578616d706c650000010203",
     "TYPE0 8 0 0 20240201000000 20240101000000 12345 example. AAECAw=="},
    {"KEY", "256 3 RSASHA256 AwEAAQ==", "0100030803010001", "256 3 8 AwEAAQ=="},
    {"PX", "10 map822.example. mapx400.example.",
     "000a066d6170383232076578616d706c6500076d617078343030076578616d706c6500",
     "10 map822.example. mapx400.example."},
    {"AAAA", "2001:DB8:0:0::1", "20010db8000000000000000000000001", "2001:db8::1"},
    // RFC 1876 §3's form, with the default horizontal and vertical precisions.
    {"LOC", "42 21 54 N 71 06 18 W -24m 30m", "0033161389172dd070be15f000988d20",
     "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m"},
    {"SRV", "0 5 5060 sip.example.", "0000000513c403736970076578616d706c6500",
     "0 5 5060 sip.example."},
    {"NAPTR", "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
     "0064000a0155074532552b7369701b215e2e2a24217369703a696e666f406578616d706c652e636f6d2100",
     "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."},
    {"KX", "10 kx.example.", "000a026b78076578616d706c6500", "10 kx.example."},
    {"CERT", "PKIX 12345 RSASHA256 AAAA", "0001303908000000", "1 12345 8 AAAA"},
    {"DNAME", "new.example.", "036e6577076578616d706c6500", "new.example."},
    // RFC 3123 §6's example prefixes.
    {"APL", "1:192.168.32.0/21 !1:192.168.38.0/28 2:FF00::/8",
     "00011503c0a82000011c83c0a82600020801ff",
     "1:192.168.32.0/21 !1:192.168.38.0/28 2:ff00::/8"},
    // RFC 4034 §5.4.
    {"DS", "60485 RSASHA1 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
     "ec4505012bb183af5f22588179a53b0a98631fad1a292118",
     "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"},
    {"SSHFP", "2 1 123456789abcdef67890123456789abcdef67890",
     "0201123456789abcdef67890123456789abcdef67890",
     "2 1 123456789ABCDEF67890123456789ABCDEF67890"},
    // RFC 4025 §3.2.
    {"IPSECKEY", "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
     "0a0102c0000226010351537986ed35533b6064478eeeb27b5bd74dae149b6e81ba3a0521af82ab7801",
     "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="},
    // RFC 4034 §3.3.
    {"RRSIG",
     "A 5 3 86400 20030322173103 20030220173103 2642 example.com. "
     "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/"
     "M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=",
     "00010503000151803e7c9dd73e5510d70a52076578616d706c6503636f6d00a090755ba58d1affa576f4375831"
     "b4310920e481218d18a9f164eb3d81afd3b875d3c75428631e0cf2a28d50875f70c329d7dbfafea807dc1fba1d"
     "c34c95d401f23f334ce63bfcf3f1b5b44739e5f0eded18d6b33f040a911376d173d757a9f0c1fa1798941bb0b3"
     "6b2df9062790fa7f0166f2737eea907378341fb12dc0a77a",
     "A 5 3 86400 20030322173103 20030220173103 2642 example.com. "
     "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/"
     "M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o="},
    // RFC 4034 §4.3.
    {"NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234",
     "04686f7374076578616d706c6503636f6d000006400100000003041b00000000000000000000000000000000"
     "0000000000000000000020",
     "host.example.com. A MX RRSIG NSEC TYPE1234"},
    // RFC 4034 §2.3.
    {"DNSKEY",
     "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hW"
     "qTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==",
     "010003050103d22a6ca77f35b893206fd35e4c506d8378843709b97e041647e1bff43d8d64c649af1e371973c9"
     "e891fce3df519a8c840a63ee42a6d2ebddbb97035d215aa4e417b1fa45fa11a9741ea2098c1dfa5fb5feb332fd"
     "4bc8152089aef36ba644cce2413b3b72be18cbef8da253f4e93d2103866d9234a2e28df529a67d5468dbefe3",
     "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hW"
     "qTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w=="},
    // RFC 4701 §3.6.
    {"DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
     "000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40",
     "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="},
    // RFC 5155 App. A.
    {"NSEC3", "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG",
     "0101000c04aabbccdd14174eb2409fe28bcb4887a1836f957f0a8425e27b000722010000000290",
     "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM"},
    {"NSEC3PARAM", "1 0 0 -", "0100000000", "1 0 0 -"},
    {"TLSA", "3 1 1 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971",
     "030101d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971",
     "3 1 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971"},
    {"SMIMEA", "0 0 1 00ff", "00000100ff", "0 0 1 00FF"},
    // RFC 8078 §4: the "delete" CDS and CDNSKEY.
    {"CDS", "0 0 0 00", "0000000000", "0 0 0 00"},
    {"CDNSKEY", "0 3 0 AA==", "0000030000", "0 3 0 AA=="},
    {"OPENPGPKEY", "mQENBFVHm5sBCADAYQ==", "99010d0455479b9b010800c061", "mQENBFVHm5sBCADAYQ=="},
    // RFC 7477 §2.3.
    {"CSYNC", "66 3 A NS AAAA", "000000420003000460000008", "66 3 A NS AAAA"},
    // RFC 8976 App. A.1.
    {"ZONEMD",
     "2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE"
     "499FAFA4F22C6BD647DE",
     "7848b78c0101febe3d4ce2ec2ffa4ba99d46cd69d6d29711e55217057bee7eb1a7b641a47ba7fed2dd5b97ae49"
     "9fafa4f22c6bd647de",
     "2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE"
     "499FAFA4F22C6BD647DE"},
    // RFC 9460 App. D.2, figure 7: keys reordered, mandatory sorted.
    {"SVCB", "16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1",
     "001003666f6f076578616d706c65036f7267000000000400010004000100090268320568332d313900040004c00"
     "00201",
     "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1"},
    {"HTTPS", "1 . alpn=h3,h2 port=8443 ipv6hint=2001:db8::1,2001:db8::2",
     "000100000100060268330268320003000220fb0006002020010db800000000000000000000000120010db80000"
     "00000000000000000002",
     "1 . alpn=\"h3,h2\" port=8443 ipv6hint=2001:db8::1,2001:db8::2"},
    // RFC 9859 §2.2.
    {"DSYNC", "CDS NOTIFY 5359 cds-scanner.example.net.",
     "003b0114ef0b6364732d7363616e6e6572076578616d706c65036e657400",
     "CDS NOTIFY 5359 cds-scanner.example.net."},
    {"SPF", "\"v=spf1 mx -all\"", "0e763d73706631206d78202d616c6c", "\"v=spf1 mx -all\""},
    // RFC 6742 §2.
    {"NID", "10 0014:4fff:ff20:ee64", "000a00144fffff20ee64", "10 0014:4fff:ff20:ee64"},
    {"L32", "10 10.1.2.0", "000a0a010200", "10 10.1.2.0"},
    {"L64", "10 2001:0DB8:1140:1000", "000a20010db811401000", "10 2001:0db8:1140:1000"},
    {"LP", "10 l64-subnet1.example.com.", "000a0b6c36342d7375626e657431076578616d706c6503636f6d00",
     "10 l64-subnet1.example.com."},
    // RFC 7043 §3.2 and §4.2.
    {"EUI48", "00-00-5E-00-53-2A", "00005e00532a", "00-00-5e-00-53-2a"},
    {"EUI64", "00-00-5e-ef-10-00-00-2a", "00005eef1000002a", "00-00-5e-ef-10-00-00-2a"},
    // RFC 7553 §4.5.
    {"URI", "10 1 \"ftp://ftp1.example.com/public\"",
     "000a00016674703a2f2f667470312e6578616d706c652e636f6d2f7075626c6963",
     "10 1 \"ftp://ftp1.example.com/public\""},
    // RFC 8659 §4.3.
    {"CAA", "0 issue \"ca.example.net; account=230123\"",
     "0005697373756563612e6578616d706c652e6e65743b206163636f756e743d323330313233",
     "0 issue \"ca.example.net; account=230123\""},
    {"AVC", "\"app-name:WOLFGANG|app-class:OAM\"",
     "1f6170702d6e616d653a574f4c4647414e477c6170702d636c6173733a4f414d",
     "\"app-name:WOLFGANG|app-class:OAM\""},
    // RFC 8777 §4.3.2.
    {"AMTRELAY", "10 1 3 amtrelays.example.com.", "0a8309616d7472656c617973076578616d706c6503636f6d00",
     "10 1 3 amtrelays.example.com."},
    // RFC 9606 §5.
    {"RESINFO", "qnamemin exterr=15,16,17 infourl=https://resolver.example.com/guide",
     "08716e616d656d696e0f6578746572723d31352c31362c31372a696e666f75726c3d68747470733a2f2f7265"
     "736f6c7665722e6578616d706c652e636f6d2f6775696465",
     "\"qnamemin\" \"exterr=15,16,17\" \"infourl=https://resolver.example.com/guide\""},
    {"WALLET", "BTC bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
     "034254432a62633171617230737272723778666b7679356c3634336c79646e77397265353967747a7a7766356d"
     "6471",
     "\"BTC\" \"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\""},
    {"TA", "1 8 2 00ff", "0001080200ff", "1 8 2 00FF"},
    {"DLV", "2 13 2 ab", "00020d02ab", "2 13 2 AB"},
    {"DELEG", "server-name=ns1.example.,ns2.example. server-ipv4=192.0.2.1,192.0.2.2",
     "00010008c0000201c00002020003001a036e7331076578616d706c6500036e7332076578616d706c6500",
     "server-ipv4=192.0.2.1,192.0.2.2 server-name=ns1.example.,ns2.example."},
    {"ALIAS", "target.example.", "06746172676574076578616d706c6500", "target.example."},
    {"DELEGPARAM", "mandatory=server-ipv6 server-ipv6=2001:db8::53",
     "0000000200020002001020010db8000000000000000000000053",
     "mandatory=server-ipv6 server-ipv6=2001:db8::53"},
};

TEST(RdataTable, EveryTypeHasARoundTripCase) {
  std::set<std::uint16_t> covered;
  for (const auto& c : kRoundTrips) covered.insert(type_code(c.type));
  for (const auto& spec : dns::all_type_specs())
    EXPECT_TRUE(covered.contains(spec.code)) << spec.mnemonic << " has no round-trip case";
}

TEST(RdataTable, MnemonicsAndCodesAgree) {
  for (const auto& spec : dns::all_type_specs()) {
    EXPECT_EQ(dns::type_from_text(spec.mnemonic), spec.code) << spec.mnemonic;
    EXPECT_EQ(dns::type_to_text(spec.code), spec.mnemonic);
    EXPECT_EQ(dns::find_type_spec(spec.code), &spec);
    std::string lower(spec.mnemonic);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(dns::type_from_text(lower), spec.code) << lower;
  }
  EXPECT_EQ(dns::type_from_text("TYPE65535"), 65535);
  EXPECT_EQ(dns::type_from_text("type1"), 1);
  EXPECT_FALSE(dns::type_from_text("TYPE65536"));
  EXPECT_FALSE(dns::type_from_text("TYPE"));
  EXPECT_FALSE(dns::type_from_text("NOTATYPE"));
  EXPECT_EQ(dns::type_to_text(999), "TYPE999");
  EXPECT_EQ(dns::find_type_spec(999), nullptr);
}

TEST(Rdata, TextToWireToTextToWire) {
  for (const auto& c : kRoundTrips) {
    SCOPED_TRACE(std::string(c.type) + " " + c.text);
    const std::uint16_t type = type_code(c.type);
    auto wire = from_text(type, c.text);
    ASSERT_TRUE(wire) << wire.error().message;
    EXPECT_EQ(hex(*wire), c.wire);
    EXPECT_TRUE(dns::rdata_is_well_formed(type, *wire));
    const std::string text = to_text(type, *wire);
    EXPECT_EQ(text, c.canonical);
    auto again = from_text(type, text);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(hex(*again), c.wire);
    // The same octets in the RFC 3597 generic form.
    std::string generic;
    dns::append_generic_rdata_text(*wire, generic);
    auto from_generic = from_text(type, generic);
    ASSERT_TRUE(from_generic) << from_generic.error().message;
    EXPECT_EQ(hex(*from_generic), c.wire);
  }
}

struct Variant {
  const char* type;
  const char* text;
  const char* canonical;  // what the octets read from `text` print as
};

// Other spellings of the same data, and edge values of each field kind.
const Variant kVariants[] = {
    {"A", "0.0.0.0", "0.0.0.0"},
    {"A", "255.255.255.255", "255.255.255.255"},
    {"AAAA", "::", "::"},
    {"AAAA", "::FFFF:192.0.2.1", "::ffff:192.0.2.1"},
    {"AAAA", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
    {"AAAA", "0::1.2.3.4", "::1.2.3.4"},
    {"SOA", "ns. h. 1 1w2d3h4m5s 0 0 0", "ns. h. 1 788645 0 0 0"},
    {"TXT", "\"\"", "\"\""},
    {"TXT", "\"a;b (c)\" \\# \\032\\\\", "\"a;b (c)\" \"#\" \" \\\\\""},
    {"TXT", "\"\\000\\127\\255\"", "\"\\000\\127\\255\""},
    {"HINFO", "\\\" \"\"", "\"\\\"\" \"\""},
    {"KEY", "256 3 rsasha256 AwEA AQ==", "256 3 8 AwEAAQ=="},
    // RFC 4034 §2.2: whitespace anywhere within the Base64 (Knot wants whole quanta).
    {"DNSKEY", "256 3 8 AwE AAQ= =", "256 3 8 AwEAAQ=="},
    {"DS", "1 8 2 0 0f F", "1 8 2 00FF"},
    {"CERT", "IACPKIX 0 PRIVATEOID AA==", "8 0 254 AA=="},
    {"RRSIG", "NS 8 2 3600 1700000000 0 1 . AA==",
     "NS 8 2 3600 20231114221320 19700101000000 1 . AA=="},
    {"RRSIG", "TYPE999 8 0 0 21060207062815 22251231235959 0 . AA==",
     "TYPE999 8 0 0 21060207062815 20891123173143 0 . AA=="},  // 2225 wraps mod 2^32
    {"RRSIG", "A 8 0 0 20240229120000 20000229000000 0 . AA==",
     "A 8 0 0 20240229120000 20000229000000 0 . AA=="},
    {"NSEC", "host.example.", "host.example."},
    {"NSEC", ". TYPE65535 TYPE0 NS NS", ". TYPE0 NS TYPE65535"},
    {"NSEC3", "1 0 0 - CPNMUOG=", "1 0 0 - CPNMUOG"},
    {"NSEC3", "1 0 0 - cpnmu", "1 0 0 - CPNMU"},
    {"CSYNC", "0 0", "0 0"},
    {"SVCB", "0 .", "0 ."},
    {"SVCB", "1 . no-default-alpn=\"\" alpn=h2", "1 . alpn=\"h2\" no-default-alpn"},
    {"SVCB", "1 . alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", "1 . alpn=\"f\\\\\\\\oo\\\\,bar,h2\""},
    {"SVCB", "1 . alpn=part1\\,\\p\\a\\r\\t2\\044part3\\092,part4\\092\\\\",
     "1 . alpn=\"part1,part2,part3\\\\,part4\\\\\\\\\""},
    {"SVCB", "1 . port=\"53\" ech=\"AA==\" ohttp dohpath=/q{?dns}",
     "1 . port=53 ech=AA== dohpath=\"/q{?dns}\" ohttp"},
    // keyNNNNN is opaque, so a value that does not fit the key's named form keeps that form.
    {"SVCB", "1 . key1=h2 key3 key7", "1 . key1=\"h2\" key3 key7"},
    {"SVCB", "1 . key65000=\"a\\032b;c\\\"\"", "1 . key65000=\"a\\032b\\059c\\\"\""},
    {"SVCB", "1 . mandatory=key7,port port=4 key7", "1 . mandatory=port,dohpath port=4 key7"},
    {"HTTPS", "1 . ipv4hint=\"192.0.2.1,192.0.2.2\"", "1 . ipv4hint=192.0.2.1,192.0.2.2"},
    {"DELEG", "", ""},
    {"DELEG", "include-delegparam=c\\,d", "include-delegparam=c\\,d.example."},
    {"DELEG", "server-name=\"a,b.\"", "server-name=a.example.,b."},
    {"APL", "", ""},
    {"APL", "1:0.0.0.0/0 2:::/0", "1:0.0.0.0/0 2:::/0"},
    {"APL", "2:FFFF:FFFF:FFFF::/2", "2:ffff:ffff:ffff::/2"},
    {"LOC", "0 N 0 E 0", "0 0 0.000 N 0 0 0.000 E 0.00m 1m 10000m 10m"},
    {"LOC", "90 59 59.999 s 180 59 59.999 w 42849672.95m 90000000.00m 0.01 0.1",
     "90 59 59.999 S 180 59 59.999 W 42849672.95m 90000000m 0.01m 0.10m"},
    {"LOC", "0 0 0.5 N 0 1 W -100000.00 1.5 15 99", "0 0 0.500 N 0 1 0.000 W -100000.00m 1m 10m 90m"},
    {"IPSECKEY", "0 0 0 .", "0 0 0 ."},
    {"IPSECKEY", "1 3 1 gw AA==", "1 3 1 gw.example. AA=="},
    {"IPSECKEY", "1 2 0 2001:db8::1", "1 2 0 2001:db8::1"},
    {"AMTRELAY", "0 0 0 .", "0 0 0 ."},
    {"AMTRELAY", "128 1 2 2001:db8::15", "128 1 2 2001:db8::15"},
    {"DSYNC", "TYPE59 1 53 .", "CDS NOTIFY 53 ."},
    {"DSYNC", "CSYNC 2 53 .", "CSYNC 2 53 ."},
    {"CAA", "128 tbs \"\"", "128 tbs \"\""},
    {"CAA", "0 issuewild ;", "0 issuewild \";\""},
    {"URI", "1 1 \"\"", "1 1 \"\""},
    {"MX", "0 @", "0 example."},
    {"MX", "0 mail", "0 mail.example."},
    {"NAPTR", "1 2 a b c next", "1 2 \"a\" \"b\" \"c\" next.example."},
    {"NS", "a\\.b.c\\032d\\\\.", "a\\.b.c\\032d\\\\."},
    {"EUI48", "AA-bb-CC-dd-EE-ff", "aa-bb-cc-dd-ee-ff"},
    {"TLSA", "0 0 0 00 0102 FF", "0 0 0 000102FF"},
    {"X25", "\"\"", "\"\""},
};

TEST(Rdata, VariantsPrintCanonically) {
  for (const auto& v : kVariants) {
    SCOPED_TRACE(std::string(v.type) + " " + v.text);
    const std::uint16_t type = type_code(v.type);
    auto wire = from_text(type, v.text, kExample);
    ASSERT_TRUE(wire) << wire.error().message;
    const std::string text = to_text(type, *wire);
    EXPECT_EQ(text, v.canonical);
    auto again = from_text(type, text, kExample);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(hex(*again), hex(*wire));
  }
}

TEST(Rdata, LongTxtIsSplitIntoStringsOf255) {
  const std::string long_text(300, 'x');
  auto wire = from_text(dns::rrtype::TXT, long_text);
  ASSERT_TRUE(wire);
  ASSERT_EQ(wire->size(), 302u);
  EXPECT_EQ((*wire)[0], 255);
  EXPECT_EQ((*wire)[256], 45);
  std::string expected = "\"";
  expected.append(255, 'x').append("\" \"").append(45, 'x').push_back('"');
  EXPECT_EQ(to_text(dns::rrtype::TXT, *wire), expected);
  // Exactly 255 stays one string; a single <character-string> field never splits.
  EXPECT_EQ(from_text(dns::rrtype::TXT, std::string(255, 'y'))->size(), 256u);
  EXPECT_FALSE(from_text(dns::rrtype::HINFO, std::string(256, 'y') + " os"));
}

TEST(Rdata, QuotedValueTheLexerSplitAfterTheEquals) {
  // alpn= followed, with no blank between, by the quoted token "h2,h3".
  const std::vector<dns::Token> tokens = {
      {"1", false, 1, 1}, {".", false, 1, 3}, {"alpn=", false, 1, 5}, {"h2,h3", true, 1, 10}};
  Bytes out;
  ASSERT_TRUE(dns::rdata_from_text(dns::rrtype::SVCB, tokens, kRoot, out));
  EXPECT_EQ(hex(out), "00010000010006026832026833");
  // With a blank in between the quoted token is a parameter of its own, which is refused.
  const std::vector<dns::Token> apart = {
      {"1", false, 1, 1}, {".", false, 1, 3}, {"alpn=", false, 1, 5}, {"h2", true, 1, 11}};
  out.clear();
  EXPECT_FALSE(dns::rdata_from_text(dns::rrtype::SVCB, apart, kRoot, out));
}

TEST(Rdata, GenericForm) {
  // RFC 3597 §5 for a type we know only by number.
  auto unknown = from_text(123, "\\# 2 abcd");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(hex(*unknown), "abcd");
  EXPECT_EQ(to_text(123, *unknown), "\\# 2 ABCD");
  EXPECT_EQ(hex(*from_text(123, "\\# 4 0a 0b0c 0d")), "0a0b0c0d");
  EXPECT_EQ(hex(*from_text(123, "\\# 2 a bcd")), "abcd");  // whitespace anywhere in the hex
  EXPECT_EQ(hex(*from_text(123, "\\# 0")), "");
  EXPECT_EQ(to_text(123, {}), "\\# 0");
  // A known type given in the generic form; printed in its own.
  auto a = from_text(dns::rrtype::A, "\\# 4 0A000001");
  ASSERT_TRUE(a);
  EXPECT_EQ(to_text(dns::rrtype::A, *a), "10.0.0.1");
  EXPECT_TRUE(from_text(dns::rrtype::APL, "\\# 0"));  // APL may be empty
  EXPECT_TRUE(from_text(dns::rrtype::DELEG, "\\# 0"));
  // Text that is not the generic form: a quoted or later "\#" is ordinary text.
  EXPECT_EQ(hex(*from_text(dns::rrtype::TXT, "\"\\#\" a")), "01230161");

  const struct {
    std::uint16_t type;
    const char* text;
    const char* why;
  } bad[] = {
      {123, "\\#", "needs a length"},
      {123, "\\# 3 abcd", "length says 3"},
      {123, "\\# 1 abcd", "length says 1"},
      {123, "\\# 0 00", "length says 0"},
      {123, "\\# 2 abc", "odd number"},
      {123, "\\# 2 abcg", "bad hex"},
      {123, "\\# x", "decimal number"},
      {123, "\\# -1", "decimal number"},
      {123, "\\# 65536", "above 65535"},
      {dns::rrtype::A, "\\# 0", "not valid A"},
      {dns::rrtype::A, "\\# 3 010203", "not valid A"},
      {dns::rrtype::TXT, "\\# 0", "not valid TXT"},
      {dns::rrtype::NS, "\\# 2 c00c", "not valid NS"},
      {dns::rrtype::SVCB, "\\# 7 0001000001000a", "not valid SVCB"},
      {123, "abcd", "write it as \\#"},
  };
  for (const auto& b : bad) {
    auto r = from_text(b.type, b.text);
    ASSERT_FALSE(r) << b.text;
    EXPECT_NE(r.error().message.find(b.why), std::string::npos)
        << b.text << ": " << r.error().message;
  }
}

struct BadText {
  const char* type;
  const char* text;
  const char* why;    // a piece of the message
  std::size_t token;  // the token the error points at
};

// For every field kind, text it must refuse, with the reason and the place.
const BadText kBadText[] = {
    // U8, U16, U32
    {"SSHFP", "256 1 00", "above 255", 0},
    {"MX", "65536 mail.", "above 65535", 0},
    {"MX", "-1 mail.", "decimal number", 0},
    {"MX", "+1 mail.", "decimal number", 0},
    {"SOA", "ns. h. 4294967296 0 0 0 0", "above 4294967295", 2},
    // Period
    {"SOA", "ns. h. 1 1x 0 0 0", "bad time value", 3},
    {"SOA", "ns. h. 1 h 0 0 0", "bad time value", 3},
    // Algorithm, CertType, TypeCode, DsyncScheme
    {"DNSKEY", "256 3 NOPE AA==", "decimal number", 2},
    {"DS", "1 256 1 00", "above 255", 1},
    {"CERT", "NOPE 0 0 AA==", "decimal number", 0},
    {"RRSIG", "NOPE 8 0 0 0 0 0 . AA==", "unknown type", 0},
    {"RRSIG", "TYPE65536 8 0 0 0 0 0 . AA==", "unknown type", 0},
    {"DSYNC", "CDS JUNK 53 .", "decimal number", 1},
    {"DSYNC", "JUNK NOTIFY 53 .", "unknown type", 0},
    // Time
    {"RRSIG", "A 8 0 0 20230230000000 0 0 . AA==", "bad date", 4},
    {"RRSIG", "A 8 0 0 19691231235959 0 0 . AA==", "bad date", 4},
    {"RRSIG", "A 8 0 0 22260101000000 0 0 . AA==", "bad date", 4},
    {"RRSIG", "A 8 0 0 20230101240000 0 0 . AA==", "bad date", 4},
    {"RRSIG", "A 8 0 0 0 202301010000 0 . AA==", "YYYYMMDDHHmmSS", 5},
    {"RRSIG", "A 8 0 0 0 4294967296 0 . AA==", "YYYYMMDDHHmmSS", 5},
    {"RRSIG", "A 8 0 0 0 2023010100000x 0 . AA==", "YYYYMMDDHHmmSS", 5},
    // CompressedName, Name
    {"NS", "a..b.", "empty label", 0},
    {"NS", "\\\"quoted\\\".", "", 99},  // escaped quotes are label octets: accepted
    {"NS", "\"ns.example.\"", "cannot be quoted", 0},
    {"NS", "a\\25.", "three digits", 0},
    {"SRV", "0 0 0 0123456789012345678901234567890123456789012345678901234567890123.", "63", 3},
    {"MX", "10", "missing value", 1},
    // IPv4, IPv6
    {"A", "01.2.3.4", "bad IPv4", 0},
    {"A", "1.2.3", "bad IPv4", 0},
    {"A", "1.2.3.4.", "bad IPv4", 0},
    {"A", "1.2.3.256", "bad IPv4", 0},
    {"A", "1.2.3.4 5.6.7.8", "unexpected \"5.6.7.8\"", 1},
    {"A", "", "missing value", 0},
    {"AAAA", "1:2:3:4:5:6:7:8:9", "bad IPv6", 0},
    {"AAAA", "1::2::3", "bad IPv6", 0},
    {"AAAA", "12345::", "bad IPv6", 0},
    {"AAAA", "::1.2.3", "bad IPv6", 0},
    {"AAAA", "1.2.3.4", "bad IPv6", 0},
    {"AAAA", ":1::", "bad IPv6", 0},
    // CharString, CharStrings, StringRest
    {"HINFO", "cpu", "missing value", 1},
    {"TXT", "a\\", "backslash at the end", 0},
    {"TXT", "ok \\25", "three digits", 1},
    {"TXT", "\\256", "above 255", 0},
    {"TXT", "a\"b", "must be escaped", 0},
    {"TXT", "", "missing value", 0},
    {"CAA", "0 issue a\\9", "three digits", 2},
    {"URI", "1 1", "missing value", 2},
    // CaaTag (RFC 8659 §4.1: one or more letters and digits; Knot also takes an empty tag)
    {"CAA", "0 is-sue x", "letters and digits", 1},
    {"CAA", "0 \"\" x", "1 to 255", 1},
    // HexRest, Base64Rest
    {"DS", "1 8 2 0", "odd number", 3},
    {"DS", "1 8 2 0g", "bad hex", 3},
    {"DS", "1 8 2", "missing value", 3},
    {"DNSKEY", "256 3 8 A===", "misplaced Base64 padding", 3},
    {"DNSKEY", "256 3 8 AA== AA==", "after padding", 4},
    {"DNSKEY", "256 3 8 AAA", "multiple of 4", 3},
    {"DNSKEY", "256 3 8 AA*A", "bad Base64 character", 3},
    {"DHCID", "", "missing value", 0},
    {"OPENPGPKEY", "\"\"", "missing value", 0},  // an empty quoted token is no data (fuzz find)
    {"DS", "1 8 2 \"\"", "missing value", 3},
    // HexWithLength, Base32WithLength
    {"NSEC3PARAM", "1 0 0 0", "odd number", 3},
    {"NSEC3PARAM", "1 0 0 00 00", "unexpected", 4},  // RFC 5155 §3.3: no whitespace in the salt
    {"NSEC3", "1 0 0 - 1234", "trailing bits", 4},
    {"NSEC3", "1 0 0 - 12======", "trailing bits", 4},
    {"NSEC3", "1 0 0 - ========", "padding", 4},
    {"NSEC3", "1 0 0 - 1=======", "Base32hex", 4},
    {"NSEC3", "1 0 0 - 123", "length", 4},
    {"NSEC3", "1 0 0 - W0", "character", 4},
    // TypeBitmap
    {"NSEC", "host. A BOGUS", "unknown type \"BOGUS\"", 2},
    {"NSEC", "host. TYPE65536", "unknown type", 1},
    {"CSYNC", "1 0 \"A\"", "unknown type", 2},
    // Eui48, Eui64, Ilnp64
    {"EUI48", "00-00-5e-00-53", "groups", 0},
    {"EUI48", "00:00:5e:00:53:2a", "separated", 0},
    {"EUI48", "0g-00-5e-00-53-2a", "hex digit", 0},
    {"EUI64", "00-00-5e-ef-10-00-00", "groups", 0},
    {"L64", "10 2001:db8:1140:1000", "groups", 1},
    {"NID", "10 0014-4fff-ff20-ee64", "separated", 1},
    // SvcParams (RFC 9460 §2.1, §7, §8, App. A)
    {"SVCB", "1", "missing value", 1},
    {"SVCB", "65536 .", "above 65535", 0},
    {"SVCB", "1 . bogus", "unknown parameter key", 2},
    {"SVCB", "1 . PORT=1", "unknown parameter key", 2},
    {"SVCB", "1 . key012=1", "unknown parameter key", 2},
    {"SVCB", "1 . key65536", "unknown parameter key", 2},
    {"SVCB", "1 . port=1 key3=a", "appears twice", 3},
    {"SVCB", "1 . alpn", "needs a value", 2},
    {"SVCB", "1 . alpn=", "without a value", 2},
    {"SVCB", "1 . alpn=a,,b", "empty item", 2},
    {"SVCB", "1 . alpn=a,", "empty item", 2},
    {"SVCB", "1 . alpn=a\\\\b", "may only escape", 2},
    {"SVCB", "1 . alpn=\"h2", "unterminated", 2},
    {"SVCB", "1 . alpn=" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "longer than 255", 2},
    {"SVCB", "1 . no-default-alpn=h2", "takes no value", 2},
    {"SVCB", "1 . ohttp=", "without a value", 2},
    {"SVCB", "1 . port=65536", "above 65535", 2},
    {"SVCB", "1 . port=1,2", "decimal number", 2},
    {"SVCB", "1 . ipv4hint=1.2.3", "bad IPv4", 2},
    {"SVCB", "1 . ipv6hint=::1,,::2", "empty item", 2},
    {"SVCB", "1 . ech=W", "multiple of 4", 2},
    {"SVCB", "1 . ech=\"\"", "needs a value", 2},
    {"SVCB", "1 . dohpath=\"\"", "needs a value", 2},
    {"SVCB", "1 . mandatory=mandatory", "list itself", 2},
    {"SVCB", "1 . mandatory=key0", "list itself", 2},
    {"SVCB", "1 . mandatory=bogus", "unknown key", 2},
    {"SVCB", "1 . mandatory=port", "not present", 2},
    {"SVCB", "1 . mandatory=port,port port=1", "twice", 2},
    {"SVCB", "1 . \"port=1\"", "quoted as a whole", 2},
    // DelegInfos
    {"DELEG", "server-ipv4=1.2.3", "bad IPv4", 0},
    {"DELEG", "server-name=a..b", "empty label", 0},
    {"DELEG", "server-name=a,", "empty item", 0},
    {"DELEG", "server-name", "needs a value", 0},
    {"DELEGPARAM", "ipv4hint=1.2.3.4", "unknown parameter key", 0},
    // Loc (RFC 1876 §3)
    {"LOC", "91 N 0 E 0", "bad degrees", 0},
    {"LOC", "0 60 N 0 E 0", "bad minutes", 1},
    {"LOC", "0 0 60 N 0 E 0", "bad seconds", 2},
    {"LOC", "0 0 0.0001 N 0 E 0", "bad seconds", 2},
    {"LOC", "0 0 0 X 0 E 0", "expected N or S", 3},
    {"LOC", "0 N 181 E 0", "bad degrees", 2},
    {"LOC", "0 N 0 E", "missing altitude", 4},
    {"LOC", "0 N 0 E 42849672.96m", "bad altitude", 4},
    {"LOC", "0 N 0 E -100000.01", "bad altitude", 4},
    {"LOC", "0 N 0 E 0 90000000.01", "bad size", 5},
    {"LOC", "0 N 0 E 0 1.001", "bad size", 5},
    {"LOC", "0 N 0 E 0 -1", "bad size", 5},
    {"LOC", "0 N 0 E 0 1 1 1 1", "unexpected", 8},
    // Apl (RFC 3123 §5)
    {"APL", "3:1.2.3.4/8", "address family", 0},
    {"APL", "1:1.2.3.4/33", "prefix length", 0},
    {"APL", "2:::/129", "prefix length", 0},
    {"APL", "1:1.2.3.4", "expected", 0},
    {"APL", "2:1.2.3.4/8", "bad address", 0},
    {"APL", "1:0.0.0.0/0 1:::/0", "bad address", 1},
    // IpseckeyGateway, AmtRelay
    {"IPSECKEY", "10 4 0 .", "unknown gateway type", 1},
    {"IPSECKEY", "10 0 0 x.", "takes \".\"", 3},
    {"IPSECKEY", "10 1 2 1.2.3.4", "missing public key", 4},
    {"IPSECKEY", "10 0 0 . AA==", "unexpected", 4},
    {"IPSECKEY", "10 1 1 ::1 AA==", "bad IPv4 gateway", 3},
    {"IPSECKEY", "10 1 1 1.2.3.4 A", "multiple of 4", 4},
    {"AMTRELAY", "10 2 1 1.2.3.4", "above 1", 1},
    {"AMTRELAY", "10 0 4 .", "unknown relay type", 2},
    {"AMTRELAY", "10 0 0 x.", "takes \".\"", 3},
    {"AMTRELAY", "10 0 2 1.2.3.4", "bad IPv6", 3},
};

TEST(Rdata, RefusesBadTextForEveryFieldKind) {
  for (const auto& b : kBadText) {
    SCOPED_TRACE(std::string(b.type) + " " + b.text);
    TokenList tokens(b.text);
    Bytes out;
    auto r = dns::rdata_from_text(type_code(b.type), tokens.tokens(), kRoot, out);
    if (b.token == 99) {  // a case that must be accepted
      EXPECT_TRUE(r);
      continue;
    }
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(b.why), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().token, b.token) << r.error().message;
  }
}

}  // namespace
