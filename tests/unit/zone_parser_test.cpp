// The zone-file parser: syntax, directives, TTL rules, and errors with FILE:LINE:COL.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/generate.hpp"
#include "dns/zone/parser.hpp"

namespace zone = mxkit::dns::zone;
namespace fs = std::filesystem;

namespace {

struct Parsed {
  std::vector<std::string> records;      // "owner ttl class type rdata"
  std::vector<std::string> diagnostics;  // "line:col severity code"
  zone::ParseStats stats;
};

class Collector : public zone::Sink {
 public:
  Parsed out;
  void record(const zone::RecordView& r) override {
    std::string s;
    mxkit::dns::append_name_text(r.owner, s);
    s += fmt::format(" {} {} {} ", r.ttl, mxkit::dns::class_to_text(r.rclass),
                     mxkit::dns::type_to_text(r.type));
    mxkit::dns::append_rdata_text(r.type, r.rdata, s);
    out.records.push_back(s);
  }
  void diagnostic(const zone::Diagnostic& d) override {
    out.diagnostics.push_back(fmt::format("{}:{} {} {}", d.line, d.column,
                                          d.severity == zone::Severity::error ? "error" : "warning",
                                          d.code));
  }
};

Parsed parse(std::string_view text, const char* origin = "example.", std::optional<std::uint32_t> ttl = {}) {
  zone::ParseOptions options;
  options.origin = *mxkit::dns::Name::from_text(origin);
  options.default_ttl = ttl;
  Collector c;
  c.out.stats = zone::parse_zone_text(text, "t.zone", options, c);
  return c.out;
}

using Lines = std::vector<std::string>;

struct Case {
  const char* what;
  const char* text;
  Lines records;
  Lines diagnostics;
};

TEST(ZoneParser, Table) {
  const Case cases[] = {
      {"owner, ttl, class, type in order", "$TTL 60\nwww 300 IN A 192.0.2.1\n",
       {"www.example. 300 IN A 192.0.2.1"}, {}},
      {"class before ttl", "$TTL 60\nwww IN 300 A 192.0.2.1\n", {"www.example. 300 IN A 192.0.2.1"}, {}},
      {"ttl and class absent", "$TTL 60\nwww A 192.0.2.1\n", {"www.example. 60 IN A 192.0.2.1"}, {}},
      {"blank owner repeats the previous one", "$TTL 60\nwww A 192.0.2.1\n  AAAA 2001:db8::1\n",
       {"www.example. 60 IN A 192.0.2.1", "www.example. 60 IN AAAA 2001:db8::1"}, {}},
      {"@ and absolute names", "$TTL 60\n@ MX 10 mail\nb.test. NS ns.b.test.\n",
       {"example. 60 IN MX 10 mail.example.", "b.test. 60 IN NS ns.b.test."}, {}},
      {"ttl units", "x 1w2d3h4m5s A 192.0.2.1\n", {"x.example. 788645 IN A 192.0.2.1"}, {}},
      {"$ORIGIN relative to the current origin", "$TTL 1\n$ORIGIN sub\nx A 192.0.2.1\n",
       {"x.sub.example. 1 IN A 192.0.2.1"}, {}},
      {"parentheses over lines with comments",
       "$TTL 1\n@ SOA ns hostmaster ( 1 ; serial\n 2h ; refresh\n 3 4 5 )\n",
       {"example. 1 IN SOA ns.example. hostmaster.example. 1 7200 3 4 5"}, {}},
      {"quoted strings, escapes and a newline inside quotes",
       "$TTL 1\nt TXT \"a b\" c\\\"d \"x\\\"y\" \"line1\nline2\" \\065\n",
       {"t.example. 1 IN TXT \"a b\" \"c\\\"d\" \"x\\\"y\" \"line1\\010line2\" \"A\""}, {}},
      {"semicolon inside quotes is text", "$TTL 1\nt TXT \"v=spf1; -all\" ; comment\n",
       {"t.example. 1 IN TXT \"v=spf1; -all\""}, {}},
      {"TYPEnnn and CLASS1 and \\# for a known type",
       "$TTL 1\na TYPE1 192.0.2.1\nb CLASS1 A 192.0.2.2\nc A \\# 4 C0000203\n",
       {"a.example. 1 IN A 192.0.2.1", "b.example. 1 IN A 192.0.2.2", "c.example. 1 IN A 192.0.2.3"}, {}},
      {"unknown type in RFC 3597 form", "$TTL 1\nu TYPE65280 \\# 3 ABCDEF\nv TYPE65280 \\# 0\n",
       {"u.example. 1 IN TYPE65280 \\# 3 ABCDEF", "v.example. 1 IN TYPE65280 \\# 0"}, {}},
      {"CRLF line endings", "$TTL 1\r\nw A 192.0.2.1\r\n", {"w.example. 1 IN A 192.0.2.1"}, {}},
      {"no trailing newline", "$TTL 1\nw A 192.0.2.1", {"w.example. 1 IN A 192.0.2.1"}, {}},
      // Errors: reported at the token, and parsing goes on with the next line.
      {"bad address, then a good line", "$TTL 1\na A 192.0.2.300\nb A 192.0.2.1\n",
       {"b.example. 1 IN A 192.0.2.1"}, {"2:5 error bad-rdata"}},
      {"missing rdata", "$TTL 1\na MX 10\nb A 192.0.2.1\n", {"b.example. 1 IN A 192.0.2.1"},
       {"2:8 error bad-rdata"}},
      {"unknown type", "$TTL 1\na FOO 1\n", {}, {"2:3 error bad-type"}},
      {"trailing junk", "$TTL 1\na A 192.0.2.1 x\n", {}, {"2:15 error bad-rdata"}},
      {"other class", "$TTL 1\na CH A 192.0.2.1\n", {}, {"2:3 error bad-class"}},
      {"bad ttl", "a 1x A 192.0.2.1\n", {}, {"1:3 error bad-ttl"}},
      {"ttl over 32 bits", "a 4294967296 A 192.0.2.1\n", {}, {"1:3 error bad-ttl"}},
      {"blank owner with no previous owner", "$TTL 1\n  A 192.0.2.1\n", {}, {"2:3 error bad-owner"}},
      {"label too long",
       "$TTL 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa A 192.0.2.1\n", {},
       {"2:1 error bad-owner"}},
      {"unknown directive", "$FOO bar\n", {}, {"1:1 error bad-directive"}},
      {"')' without '('", "$TTL 1\na A 192.0.2.1 )\nb A 192.0.2.2\n", {"b.example. 1 IN A 192.0.2.2"},
       {"2:15 error syntax"}},
      // Fatal: the rest of the file cannot be trusted.
      {"nested parentheses stop the parse", "$TTL 1\na NS ((b))\nc A 192.0.2.1\n", {},
       {"2:7 error syntax"}},
      {"unterminated quote stops the parse", "$TTL 1\na TXT \"abc\nb A 192.0.2.1\n", {},
       {"2:7 error syntax"}},
      {"unclosed parenthesis at the end", "$TTL 1\na A ( 192.0.2.1\n", {}, {"2:5 error syntax"}},
      {"bad $ORIGIN stops the parse", "$ORIGIN a..b.\nc 1 A 192.0.2.1\n", {}, {"1:9 error bad-directive"}},
  };
  for (const auto& c : cases) {
    auto got = parse(c.text);
    EXPECT_EQ(got.records, c.records) << c.what;
    EXPECT_EQ(got.diagnostics, c.diagnostics) << c.what;
  }
}

TEST(ZoneParser, TtlRules) {
  // No $TTL: the last explicit TTL carries over (RFC 1035 §5.1 as BIND reads it).
  auto p = parse("a 100 A 192.0.2.1\nb A 192.0.2.2\n");
  EXPECT_EQ(p.records, (Lines{"a.example. 100 IN A 192.0.2.1", "b.example. 100 IN A 192.0.2.2"}));
  EXPECT_TRUE(p.diagnostics.empty());
  // Nothing at all: the SOA minimum, with one warning, and it stays the default after an
  // explicit TTL, as BIND reads it.
  p = parse("@ SOA ns h 1 2 3 4 300\na 900 A 192.0.2.1\nb A 192.0.2.2\n");
  EXPECT_EQ(p.records.size(), 3u);
  EXPECT_EQ(p.records[0].substr(0, 13), "example. 300 ");
  EXPECT_EQ(p.records[2], "b.example. 300 IN A 192.0.2.2");
  EXPECT_EQ(p.diagnostics, (Lines{"1:3 warning no-ttl"}));
  // The caller's default applies before any TTL is known.
  p = parse("b A 192.0.2.2\n", "example.", 42);
  EXPECT_EQ(p.records, (Lines{"b.example. 42 IN A 192.0.2.2"}));
  // $TTL wins over the last explicit TTL.
  p = parse("$TTL 5\na 100 A 192.0.2.1\nb A 192.0.2.2\n");
  EXPECT_EQ(p.records[1], "b.example. 5 IN A 192.0.2.2");
}

TEST(ZoneParser, ErrorLimitStops) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "a A bad\n";
  zone::ParseOptions options;
  options.max_errors = 10;
  Collector c;
  auto stats = zone::parse_zone_text(text, "t.zone", options, c);
  EXPECT_TRUE(stats.stopped);
  EXPECT_EQ(stats.errors, 10u);
  EXPECT_EQ(c.out.diagnostics.size(), 11u);  // ten, then "stopping after 10 errors"
  EXPECT_EQ(c.out.diagnostics.back(), "10:5 error too-many-errors");
}

TEST(ZoneParser, Generate) {
  auto p = parse("$TTL 1\n$GENERATE 1-3 host$ A 192.0.2.$\n");
  EXPECT_EQ(p.records, (Lines{"host1.example. 1 IN A 192.0.2.1", "host2.example. 1 IN A 192.0.2.2",
                              "host3.example. 1 IN A 192.0.2.3"}));
  p = parse("$GENERATE 10-30/10 ${-9,3,d} 60 IN PTR h${0,2,x}.example.\n");
  EXPECT_EQ(p.records, (Lines{"001.example. 60 IN PTR h0a.example.", "011.example. 60 IN PTR h14.example.",
                              "021.example. 60 IN PTR h1e.example."}));
  // Several rdata fields in the rhs, quoted; escaped and doubled dollars are literal.
  p = parse("$TTL 1\n$GENERATE 1-1 m$ MX \"10 mx$.a\\$b$$\"\n");
  EXPECT_EQ(p.records, (Lines{"m1.example. 1 IN MX 10 mx1.a\\$b\\$.example."}));
  p = parse("$TTL 1\n$GENERATE 255-255 x${0,0,X}-${0,4,o} CNAME ${0,0,n}.ip6.\n");
  EXPECT_EQ(p.records, (Lines{"xFF-0377.example. 1 IN CNAME f.f.ip6."}));
  // Errors.
  EXPECT_EQ(parse("$GENERATE 3-1 a$ A 192.0.2.$\n").diagnostics, (Lines{"1:11 error generate"}));
  EXPECT_EQ(parse("$GENERATE 1-2 a${1,x} A 192.0.2.$\n").diagnostics, (Lines{"1:15 error generate"}));
  EXPECT_EQ(parse("$GENERATE 1-1000000 a$ A 192.0.2.1\n").diagnostics, (Lines{"1:11 error generate"}));
  EXPECT_EQ(parse("$TTL 1\n$GENERATE 250-260 a$ A 192.0.2.$\n").records.size(), 6u);  // 256+ are bad
}

TEST(ZoneParser, GenerateExpansion) {
  struct {
    const char* pattern;
    std::uint32_t value;
    const char* expected;
  } cases[] = {{"$", 7, "7"},          {"a$b", 7, "a7b"},         {"${1}", 7, "8"},
               {"${0,3}", 7, "007"},   {"${0,3,x}", 255, "0ff"},  {"${0,0,X}", 255, "FF"},
               {"${0,0,o}", 8, "10"},  {"${0,0,n}", 0x1a, "a.1"},   {"${0,4,n}", 0x1a, "a.1."}, {"${0,8,N}", 0x1a, "A.1.0.0."},
               {"\\$$", 3, "$3"},      {"$$", 3, "$"},            {"${-2}", 1, "-1"}};
  for (const auto& c : cases) {
    std::string out;
    ASSERT_TRUE(zone::expand_generate(c.pattern, c.value, out)) << c.pattern;
    EXPECT_EQ(out, c.expected) << c.pattern;
  }
  std::string out;
  EXPECT_FALSE(zone::expand_generate("${0,3", 1, out));
  EXPECT_FALSE(zone::expand_generate("${0,3,q}", 1, out));
}

class ZoneFiles : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("mxkit-parser-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir / "sub"); }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  Parsed parse_file(const std::string& name) {
    zone::ParseOptions options;
    options.origin = *mxkit::dns::Name::from_text("example.");
    Collector c;
    c.out.stats = zone::parse_zone_file(dir / name, options, c);
    return c.out;
  }
};

// The included file's $ORIGIN ends with it; its $TTL stays in force, as in BIND.
TEST_F(ZoneFiles, IncludeWithOrigin) {
  write("main.zone", "$TTL 10\na A 192.0.2.1\n$INCLUDE sub/inc.zone sub\nb A 192.0.2.2\n");
  write("sub/inc.zone", "$TTL 20\nx A 192.0.2.3\n$ORIGIN other.\ny A 192.0.2.4\n");
  auto p = parse_file("main.zone");
  EXPECT_EQ(p.records, (Lines{"a.example. 10 IN A 192.0.2.1", "x.sub.example. 20 IN A 192.0.2.3",
                              "y.other. 20 IN A 192.0.2.4", "b.example. 20 IN A 192.0.2.2"}));
  EXPECT_TRUE(p.diagnostics.empty());
}

TEST_F(ZoneFiles, IncludeErrorsNameTheFile) {
  write("main.zone", "$TTL 1\n$INCLUDE missing.zone\n$INCLUDE loop.zone\nz A 192.0.2.9\n");
  write("loop.zone", "$INCLUDE loop.zone\nl A 192.0.2.1\n");
  auto p = parse_file("main.zone");
  EXPECT_EQ(p.records, (Lines{"l.example. 1 IN A 192.0.2.1", "z.example. 1 IN A 192.0.2.9"}));
  EXPECT_EQ(p.diagnostics, (Lines{"2:10 error include", "1:10 error include"}));
}

TEST_F(ZoneFiles, IncludeDepthIsBounded) {
  for (int i = 0; i < 20; ++i)
    write(fmt::format("d{}.zone", i), fmt::format("$INCLUDE d{}.zone\n", i + 1));
  write("d20.zone", "$TTL 1\nx A 192.0.2.1\n");
  auto p = parse_file("d0.zone");
  EXPECT_TRUE(p.records.empty());
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0], "1:1 error include");
}

// A file is read in chunks; an entry cut by a chunk's end is read again whole. With chunks of
// every size from 1 octet up, the records and diagnostics must be what reading it at once gives.
TEST_F(ZoneFiles, ChunkBoundariesChangeNothing) {
  const std::string text =
      "$ORIGIN example.\n$TTL 1h\n@ IN SOA ns hostmaster ( 1 ; serial\n 2h 3 4 5 )\n"
      "  NS ns\nns A 192.0.2.1 ; comment at the end\n"
      "txt TXT \"a b\" \"multi\nline\" c\\ d \\\"q\n"
      "bad A 192.0.2.300\nx ) A 192.0.2.2\nafter A 192.0.2.3\n"
      "svc SVCB 1 . alpn=\"h2,h3\" port=443\n"
      "$GENERATE 1-3 g$ A 192.0.2.$\nlast MX 10 mail ; no newline at the end";
  write("chunks.zone", text);
  Collector whole;
  zone::ParseOptions options;
  options.origin = *mxkit::dns::Name::from_text("example.");
  zone::parse_zone_text(text, (dir / "chunks.zone").string(), options, whole);
  ASSERT_EQ(whole.out.records.size(), 10u);
  ASSERT_EQ(whole.out.diagnostics.size(), 2u);
  for (std::size_t chunk : {1, 2, 3, 5, 7, 16, 64, 4096}) {
    options.read_chunk = chunk;
    Collector c;
    zone::parse_zone_file(dir / "chunks.zone", options, c);
    EXPECT_EQ(c.out.records, whole.out.records) << "chunk " << chunk;
    EXPECT_EQ(c.out.diagnostics, whole.out.diagnostics) << "chunk " << chunk;
  }
}

TEST_F(ZoneFiles, MissingFile) {
  auto p = parse_file("nope.zone");
  EXPECT_TRUE(p.stats.stopped);
  EXPECT_EQ(p.diagnostics, (Lines{"0:0 error io"}));
}

}  // namespace
