// The command line's pure logic: where a zone transfer's records end (dig's rule, by the
// shared reader), BIND's
// multi-line SOA, the durations in its comments, ambiguous IPv6 listen addresses, and the
// usage contract (one value per occurrence, unknown commands, exit statuses).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "cli/dig_output.hpp"
#include "cli/usage.hpp"
#include "dns/message.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/transfer.hpp"
#include "net/endpoint.hpp"

namespace dig = mxkit::cli::dig;
namespace dns = mxkit::dns;
namespace cli = mxkit::cli;

namespace {

dns::Name name(std::string_view text) { return *dns::Name::from_text(text); }

// The SOA of example.test. with this serial: "ns1.example.test. hostmaster.example.test. SERIAL
// 3600 900 1209600 300" in wire form.
dns::Record soa(std::uint32_t serial) {
  dns::Record r{name("example.test."), dns::rrtype::SOA, dns::rrclass::IN, 3600, {}};
  for (const char* n : {"ns1.example.test.", "hostmaster.example.test."}) {
    const dns::Name held = name(n);
    const auto wire = held.wire();
    r.rdata.insert(r.rdata.end(), wire.begin(), wire.end());
  }
  for (std::uint32_t v : {serial, 3600u, 900u, 1209600u, 300u})
    for (int shift = 24; shift >= 0; shift -= 8)
      r.rdata.push_back(static_cast<std::uint8_t>(v >> shift));
  return r;
}

dns::Record a(std::string_view owner) {
  return {name(owner), dns::rrtype::A, dns::rrclass::IN, 3600, {127, 0, 0, 1}};
}

// One response message of a transfer (id 7) carrying `record`.
std::vector<std::uint8_t> message_with(const dns::Record& record, std::uint16_t qtype) {
  dns::Message m;
  m.header.id = 7;
  m.header.qr = true;
  m.question.push_back({name("example.test."), qtype, dns::rrclass::IN});
  m.answer.push_back(record);
  return *dns::build_message(m);
}

// Feeds `stream`, one record a message, to the transfer reader dig uses; returns how many
// records it took before done (0 when it never finished).
std::size_t records_until_done(std::optional<std::uint32_t> ixfr,
                               const std::vector<dns::Record>& stream) {
  const std::uint16_t qtype = ixfr ? dns::rrtype::IXFR : dns::rrtype::AXFR;
  dns::zone::TransferReader reader(name("example.test."), 7, qtype, ixfr);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    auto fed = reader.feed(message_with(stream[i], qtype));
    EXPECT_TRUE(fed) << i << ": " << fed.error().message;
    if (reader.done()) return i + 1;
  }
  return 0;
}

}  // namespace

// dig's transfers end where dig ends them, now through the shared reader.
TEST(DigTransfer, EndsWhereDigEnds) {
  struct Case {
    const char* title;
    std::optional<std::uint32_t> ixfr;
    std::vector<dns::Record> stream;
    std::size_t done_after;  // 0: still waiting after the last record
  };
  const std::vector<Case> cases = {
      {"AXFR: SOA, records, SOA",
       std::nullopt,
       {soa(5), a("a.example.test."), a("b.example.test."), soa(5)},
       4},
      {"AXFR of a zone with only its SOA", std::nullopt, {soa(5), soa(5)}, 2},
      {"AXFR not finished yet", std::nullopt, {soa(5), a("a.example.test.")}, 0},
      {"IXFR, client up to date: the SOA alone", 5, {soa(5)}, 1},
      {"IXFR, client newer (RFC 1982): the SOA alone", 6, {soa(5)}, 1},
      {"IXFR answered in AXFR form", 1, {soa(5), a("a.example.test."), soa(5)}, 3},
      {"IXFR, one difference",
       4,
       {soa(5), soa(4), a("old.example.test."), soa(5), a("new.example.test."), soa(5)},
       6},
      {"IXFR, two differences",
       3,
       {soa(5), soa(3), a("x.example.test."), soa(4), a("y.example.test."), soa(4), soa(5), soa(5)},
       8},
      {"IXFR, the last additions not in yet",
       4,
       {soa(5), soa(4), a("old.example.test."), soa(5)},
       0},
  };
  for (const auto& c : cases)
    EXPECT_EQ(records_until_done(c.ixfr, c.stream), c.done_after) << c.title;
}

TEST(DigTransfer, RefusesAStreamWithoutItsSoaFirst) {
  dns::zone::TransferReader first(name("example.test."), 7, dns::rrtype::AXFR, std::nullopt);
  EXPECT_FALSE(first.feed(message_with(a("a.example.test."), dns::rrtype::AXFR)));
  dns::zone::TransferReader finished(name("example.test."), 7, dns::rrtype::AXFR, std::nullopt);
  ASSERT_TRUE(finished.feed(message_with(soa(1), dns::rrtype::AXFR)));
  ASSERT_TRUE(finished.feed(message_with(soa(1), dns::rrtype::AXFR)));
  EXPECT_FALSE(finished.feed(message_with(a("late.example.test."), dns::rrtype::AXFR)));
}

TEST(DigMultiline, DurationsInBindsWords) {
  EXPECT_EQ(dig::duration_words(0), "0 seconds");
  EXPECT_EQ(dig::duration_words(1), "1 second");
  EXPECT_EQ(dig::duration_words(300), "5 minutes");
  EXPECT_EQ(dig::duration_words(3600), "1 hour");
  EXPECT_EQ(dig::duration_words(86400), "1 day");
  EXPECT_EQ(dig::duration_words(1209600), "2 weeks");
  EXPECT_EQ(dig::duration_words(694861), "1 week 1 day 1 hour 1 minute 1 second");
}

TEST(DigMultiline, SoaAsBindPrintsIt) {
  // Taken from dig 9.18 +multi.
  EXPECT_EQ(dig::record_line(soa(2026112701), true),
            "example.test.\t\t3600 IN\tSOA ns1.example.test. hostmaster.example.test. (\n"
            "\t\t\t\t2026112701 ; serial\n"
            "\t\t\t\t3600       ; refresh (1 hour)\n"
            "\t\t\t\t900        ; retry (15 minutes)\n"
            "\t\t\t\t1209600    ; expire (2 weeks)\n"
            "\t\t\t\t300        ; minimum (5 minutes)\n"
            "\t\t\t\t)");
  EXPECT_EQ(dig::record_line(a("mail1.example.test."), true),
            "mail1.example.test.\t3600 IN\tA 127.0.0.1");
  EXPECT_EQ(dig::question_line({name("example.test."), dns::rrtype::SOA, 1}, true),
            ";example.test.\t\tIN SOA");
  EXPECT_EQ(dig::xfr_size_line(7, 1, 213), ";; XFR size: 7 records (messages 1, bytes 213)\n");
}

TEST(Endpoint, BareIpv6WithAPortIsAmbiguous) {
  auto bad = mxkit::net::parse_endpoint("::1:5306", 53);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("write IPv6 with a port as [::1]:5306"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("[::1:5306]"), std::string::npos);
  // Either bracketed form says which is meant.
  auto with_port = mxkit::net::parse_endpoint("[::1]:5306", 53);
  ASSERT_TRUE(with_port);
  EXPECT_EQ(with_port->port, 5306);
  auto address_only = mxkit::net::parse_endpoint("[::1:5306]", 53);
  ASSERT_TRUE(address_only);
  EXPECT_EQ(address_only->port, 53);
  // Bare addresses that cannot be read as ADDRESS:PORT stay as they are, on the default port.
  for (const char* text : {"::1", "2001:db8::25", "fe80::1", "::"}) {
    auto ok = mxkit::net::parse_endpoint(text, 53);
    ASSERT_TRUE(ok) << text;
    EXPECT_EQ(ok->port, 53) << text;
  }
  auto v4 = mxkit::net::parse_endpoint("127.0.0.1:5300", 53);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->port, 5300);
}

namespace {

// A small app shaped like mxkit's: "tool route [--self X]... ADDRESS..." and "tool dig WORDS".
struct Tool {
  CLI::App app{"tool"};
  std::vector<std::string> self, targets, words;
  Tool() {
    app.name("tool");
    app.require_subcommand(1);
    auto* route = app.add_subcommand("route", "");
    route->add_option("--self", self);
    route->add_option("address", targets)->required();
    auto* dig = app.add_subcommand("dig", "");
    dig->add_option("words", words);
    cli::set_usage_exit_code(*dig, 1);
    cli::one_value_per_occurrence(app);
  }
  std::optional<std::string> unknown(std::vector<const char*> args) {
    args.insert(args.begin(), "tool");
    return cli::unknown_command(app, static_cast<int>(args.size()), args.data());
  }
};

}  // namespace

TEST(Usage, RepeatableOptionsTakeOneValueEach) {
  Tool tool;
  tool.app.parse(std::vector<std::string>{"example.test", "mail1.example.test", "--self",
                                          "route"});  // reversed
  EXPECT_EQ(tool.self, std::vector<std::string>{"mail1.example.test"});
  EXPECT_EQ(tool.targets, std::vector<std::string>{"example.test"});
}

TEST(Usage, UnknownCommandsAreNamed) {
  Tool tool;
  EXPECT_EQ(tool.unknown({"foo"}),
            "tool: unknown command \"foo\"; the commands are: route, dig (see tool --help)");
  EXPECT_EQ(tool.unknown({"route", "x.test"}), std::nullopt);
  EXPECT_EQ(tool.unknown({"--help", "foo"}), std::nullopt);
  EXPECT_EQ(tool.unknown({}), std::nullopt);
}

TEST(Usage, ExitStatusOfEachCommand) {
  Tool tool;
  EXPECT_EQ(cli::usage_exit_code(tool.app), cli::kExitUsage);
  EXPECT_EQ(cli::usage_exit_code(*tool.app.get_subcommand("route")), 2);
  EXPECT_EQ(cli::usage_exit_code(*tool.app.get_subcommand("dig")), 1);
}
