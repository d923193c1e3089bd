// Domain names: presentation ↔ wire, escapes, limits, comparison and canonical order.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "dns/name.hpp"

using mxkit::dns::Name;

namespace {

std::string wire_hex(const Name& n) {
  std::string s;
  mxkit::core::append_hex(n.wire(), s, false);
  return s;
}

Name name(std::string_view text) {
  auto n = Name::from_text(text);
  EXPECT_TRUE(n) << text << ": " << (n ? "" : n.error().message);
  return n ? *n : Name();
}

struct TextCase {
  const char* text;
  const char* origin;
  const char* wire_hex;  // expected wire form
  const char* printed;   // expected presentation form
};

TEST(Name, FromTextToWireAndBack) {
  const TextCase cases[] = {
      {".", "", "00", "."},
      {"example.test.", "", "076578616d706c65047465737400", "example.test."},
      {"Mail.Example.", "", "044d61696c074578616d706c6500", "Mail.Example."},  // case kept
      {"mail", "example.", "046d61696c076578616d706c6500", "mail.example."},
      {"@", "example.", "076578616d706c6500", "example."},
      {"a\\.b.c.", "", "03612e620163 00", "a\\.b.c."},
      {"a\\\\b.", "", "03615c6200", "a\\\\b."},
      {"\\065\\066.", "", "02414200", "AB."},
      {"\\000\\255.", "", "0200ff00", "\\000\\255."},
      {"a\\ b.", "", "0361206200", "a\\032b."},
      {"*.example.", "", "012a076578616d706c6500", "*.example."},
      {"_25._tcp.mx.", "", "035f3235045f746370026d7800", "_25._tcp.mx."},
      {"a\\\"b.", "", "0361226200", "a\\\"b."},
      {"semi\\;colon.", "", "0a73656d693b636f6c6f6e00", "semi\\;colon."},
      {"d\\$.", "", "02642400", "d\\$."},
      {"at\\@.", "", "03617440 00", "at\\@."},
  };
  for (const auto& c : cases) {
    Name origin = c.origin[0] ? name(c.origin) : Name();
    auto n = c.origin[0] ? Name::from_text(c.text, origin) : Name::from_text(c.text);
    ASSERT_TRUE(n) << c.text << ": " << n.error().message;
    std::string expected = c.wire_hex;
    expected.erase(std::remove(expected.begin(), expected.end(), ' '), expected.end());
    EXPECT_EQ(wire_hex(*n), expected) << c.text;
    EXPECT_EQ(n->to_text(), c.printed) << c.text;
    // What we print reads back to the same wire octets.
    auto again = Name::from_text(n->to_text());
    ASSERT_TRUE(again) << n->to_text();
    EXPECT_EQ(wire_hex(*again), expected);
  }
}

TEST(Name, Limits) {
  std::string label63(63, 'a');
  EXPECT_TRUE(Name::from_text(label63 + "."));
  EXPECT_FALSE(Name::from_text(label63 + "a."));
  // 255 octets in wire form is the most: 3 × (1+63) + (1+61) + 1 = 255.
  std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b') + ".";
  auto n = Name::from_text(longest);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->wire().size(), 255u);
  EXPECT_FALSE(Name::from_text(label63 + "." + label63 + "." + label63 + "." + std::string(62, 'b') + "."));
  // The limit also applies after the origin is appended.
  Name origin = name(std::string(61, 'b') + ".");
  EXPECT_TRUE(Name::from_text(label63 + "." + label63 + "." + label63, origin));
  EXPECT_FALSE(Name::from_text(label63 + "." + label63 + "." + label63 + "x", origin));
}

TEST(Name, RejectsBadText) {
  const char* bad[] = {"", "..", ".a.", "a..b.", "\\1.", "\\12.", "\\256.", "a\\", "a(b.",
                       "a;b.", "a b.", "relative"};
  for (const char* text : bad) EXPECT_FALSE(Name::from_text(text)) << text;
}

TEST(Name, ComparisonIgnoresCase) {
  EXPECT_EQ(name("MAIL.example."), name("mail.EXAMPLE."));
  EXPECT_NE(name("mail.example."), name("mail2.example."));
  EXPECT_TRUE(name("a.b.example.").is_subdomain_of(name("Example.")));
  EXPECT_TRUE(name("example.").is_subdomain_of(name("example.")));
  EXPECT_FALSE(name("notexample.").is_subdomain_of(name("example.")));
  EXPECT_FALSE(name("example.").is_subdomain_of(name("a.example.")));
  EXPECT_TRUE(name("x.").is_subdomain_of(Name()));
}

TEST(Name, CanonicalOrderOfRfc4034Section61) {
  // The example list of RFC 4034 §6.1, already in canonical order.
  const char* ordered[] = {"example.",       "a.example.",       "yljkjljk.a.example.",
                           "Z.a.example.",   "zABC.a.EXAMPLE.",  "z.example.",
                           "\\001.z.example.", "*.z.example.",   "\\200.z.example."};
  std::vector<Name> names;
  for (const char* t : ordered) names.push_back(name(t));
  for (std::size_t i = 0; i + 1 < names.size(); ++i)
    EXPECT_LT(names[i], names[i + 1]) << ordered[i] << " < " << ordered[i + 1];
  std::vector<Name> shuffled(names.rbegin(), names.rend());
  std::sort(shuffled.begin(), shuffled.end());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(shuffled[i].to_text(), names[i].to_text());
}

TEST(Name, LabelsParentAndWildcard) {
  EXPECT_EQ(name("a.b.c.").label_count(), 3u);
  EXPECT_EQ(Name().label_count(), 0u);
  EXPECT_EQ(name("a.b.c.").parent().to_text(), "b.c.");
  EXPECT_TRUE(Name().parent().is_root());
  EXPECT_TRUE(name("*.example.").is_wildcard());
  EXPECT_FALSE(name("\\*.example.").is_wildcard() == false);  // "\*" is the same octet as "*"
  EXPECT_FALSE(name("a*.example.").is_wildcard());
  EXPECT_EQ(name("MiXeD.Example.").lowercase().to_text(), "mixed.example.");
}

TEST(Name, WireNameLength) {
  const std::uint8_t good[] = {1, 'a', 0, 0xff};
  EXPECT_EQ(mxkit::dns::wire_name_length(good), 3u);
  const std::uint8_t truncated[] = {3, 'a', 'b'};
  EXPECT_EQ(mxkit::dns::wire_name_length(truncated), 0u);
  const std::uint8_t pointer[] = {0xc0, 0x0c};
  EXPECT_EQ(mxkit::dns::wire_name_length(pointer), 0u);
}

// RFC 1035 §4.1.4 compression, read with loop and bounds protection.
TEST(Name, ReadMessageName) {
  // Offset 0: "F.ISI.ARPA" ... laid out like the RFC's example (from offset 0 here).
  std::vector<std::uint8_t> msg = {1, 'F', 3, 'I', 'S', 'I', 4, 'A', 'R', 'P', 'A', 0,
                                   3, 'F', 'O', 'O', 0xC0, 0,  // FOO.F.ISI.ARPA at 12
                                   0xC0, 6};                   // ARPA at 18
  std::uint8_t out[255];
  std::size_t len = 0;
  auto used = mxkit::dns::read_message_name(msg, 12, out, len);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, 6u);
  EXPECT_EQ(Name::from_wire({out, len}).to_text(), "FOO.F.ISI.ARPA.");
  used = mxkit::dns::read_message_name(msg, 18, out, len);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, 2u);
  EXPECT_EQ(Name::from_wire({out, len}).to_text(), "ARPA.");

  std::vector<std::uint8_t> loop = {0xC0, 0};  // points at itself
  EXPECT_FALSE(mxkit::dns::read_message_name(loop, 0, out, len));
  std::vector<std::uint8_t> forward = {0xC0, 2, 0};  // points forwards
  EXPECT_FALSE(mxkit::dns::read_message_name(forward, 0, out, len));
  std::vector<std::uint8_t> two_step = {1, 'a', 0xC0, 4, 0xC0, 0};  // 4 → 0 → (a) → 4 …
  EXPECT_FALSE(mxkit::dns::read_message_name(two_step, 4, out, len));
  std::vector<std::uint8_t> cut = {5, 'a', 'b'};
  EXPECT_FALSE(mxkit::dns::read_message_name(cut, 0, out, len));
  std::vector<std::uint8_t> bad_label = {0x80, 0};
  EXPECT_FALSE(mxkit::dns::read_message_name(bad_label, 0, out, len));
  // A chain of pointers, each step backwards, that builds a name over 255 octets.
  std::vector<std::uint8_t> big;
  std::size_t previous = 0;
  for (int i = 0; i < 4; ++i) {
    std::size_t here = big.size();
    big.push_back(63);
    big.insert(big.end(), 63, 'x');
    if (i == 0) {
      big.push_back(0);
    } else {
      big.push_back(0xC0);
      big.push_back(static_cast<std::uint8_t>(previous));
    }
    previous = here;
  }
  auto too_long = mxkit::dns::read_message_name(big, previous, out, len);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("255"), std::string::npos) << too_long.error().message;
  // A long chain of pointers, each to the one before, ending at the root: bounded work, refused.
  std::vector<std::uint8_t> chain = {0};
  for (int i = 0; i < 200; ++i) {
    std::size_t target = chain.size() == 1 ? 0 : chain.size() - 2;
    chain.push_back(static_cast<std::uint8_t>(0xC0 | (target >> 8)));
    chain.push_back(static_cast<std::uint8_t>(target & 0xFF));
  }
  auto hops = mxkit::dns::read_message_name(chain, chain.size() - 2, out, len);
  ASSERT_FALSE(hops);
  EXPECT_NE(hops.error().message.find("too many compression pointers"), std::string::npos);
  auto few = mxkit::dns::read_message_name(chain, 1 + 2 * 100, out, len);  // 101 hops: fine
  ASSERT_TRUE(few) << few.error().message;
  EXPECT_EQ(len, 1u);
  // Three steps are 3 × 64 + 1 = 193 octets: fine.
  auto fits = mxkit::dns::read_message_name(big, 64 + 1, out, len);
  ASSERT_TRUE(fits) << fits.error().message;
  EXPECT_EQ(len, 2u * 64 + 1);
}

}  // namespace
