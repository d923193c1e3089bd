// Building a query, and which datagrams check_reply takes as its reply (RFC 5452).
#include <gtest/gtest.h>

#include "dns/message_builder.hpp"
#include "resolver/address.hpp"
#include "resolver/query.hpp"
#include "resolver/resolver.hpp"
#include "resolver_test_util.hpp"

namespace mxkit::resolver {
namespace {

using namespace testing;

dns::Message query_for(const std::string& name, std::uint16_t type = dns::rrtype::A) {
  auto q = make_query(N(name), type, true, 1232);
  q.header.id = 0x4242;
  return q;
}

std::vector<std::uint8_t> wire(dns::Message m) { return *dns::build_message(m); }

dns::Message answer_to(const dns::Message& q) {
  dns::Message m = q;
  m.header.qr = true;
  m.answer = R(q.question.front().name.to_text() + " A 192.0.2.1");
  return m;
}

TEST(MakeQuery, FlagsAndEdns) {
  auto q = make_query(N("a.test."), dns::rrtype::MX, true, 1232);
  EXPECT_TRUE(q.header.rd);
  ASSERT_EQ(q.question.size(), 1u);
  EXPECT_EQ(q.question[0].type, dns::rrtype::MX);
  ASSERT_TRUE(q.edns);
  EXPECT_EQ(q.edns->udp_payload_size, 1232);
  EXPECT_FALSE(make_query(N("a.test."), 1, false, 0).edns);
  EXPECT_FALSE(make_query(N("a.test."), 1, false, 0).header.rd);
}

TEST(CheckReply, Table) {
  const auto q = query_for("www.Example.test.");
  struct Case {
    const char* name;
    std::vector<std::uint8_t> wire;
    ReplyVerdict verdict;
    const char* why;
  };
  auto other_id = answer_to(q);
  other_id.header.id = 0x4243;
  auto not_response = answer_to(q);
  not_response.header.qr = false;
  auto other_name = answer_to(query_for("www.example.org."));
  other_name.header.id = q.header.id;
  auto other_type = answer_to(query_for("www.example.test.", dns::rrtype::AAAA));
  other_type.header.id = q.header.id;
  auto upper = answer_to(q);
  upper.question[0].name = N("WWW.EXAMPLE.TEST.");
  auto formerr = q;
  formerr.header.qr = true;
  formerr.header.rcode = dns::rcode::FORMERR;
  formerr.question.clear();
  formerr.edns.reset();
  auto empty_noerror = formerr;
  empty_noerror.header.rcode = dns::rcode::NOERROR;
  auto good = wire(answer_to(q));
  auto truncated = good;
  truncated.resize(truncated.size() - 3);
  const Case cases[] = {
      {"answer", good, ReplyVerdict::Accept, ""},
      {"case_differs", wire(upper), ReplyVerdict::Accept, ""},
      {"other_id", wire(other_id), ReplyVerdict::Ignore, "ID"},
      {"not_a_response", wire(not_response), ReplyVerdict::Ignore, "QR"},
      {"other_name", wire(other_name), ReplyVerdict::Ignore, "another question"},
      {"other_type", wire(other_type), ReplyVerdict::Ignore, "another question"},
      {"formerr_without_question", wire(formerr), ReplyVerdict::Accept, ""},
      {"noerror_without_question", wire(empty_noerror), ReplyVerdict::Ignore, "without a question"},
      {"short", {0x42, 0x42, 0x80}, ReplyVerdict::Ignore, "header"},
      {"malformed", truncated, ReplyVerdict::Malformed, "malformed reply"},
  };
  for (const auto& c : cases) {
    auto check = check_reply(q, c.wire);
    EXPECT_EQ(check.verdict, c.verdict) << c.name << ": " << check.why;
    EXPECT_NE(check.why.find(c.why), std::string::npos) << c.name << ": " << check.why;
    EXPECT_EQ(check.reply.has_value(), c.verdict == ReplyVerdict::Accept) << c.name;
  }
}

TEST(ServerAddressText, Table) {
  struct Case {
    const char* text;
    const char* address;  // nullptr: an error
    std::uint16_t port;
  };
  const Case cases[] = {
      {"127.0.0.1", "127.0.0.1", 53},
      {"127.0.0.1:5300", "127.0.0.1", 5300},
      {"::1", "::1", 53},
      {"[::1]:5300", "::1", 5300},
      {"[::1]", "::1", 53},
      {"example.test", nullptr, 0},
      {"127.0.0.1:0", nullptr, 0},
      {"127.0.0.1:70000", nullptr, 0},
      {"127.0.0.1:", nullptr, 0},
      {"[::1", nullptr, 0},
      {"", nullptr, 0},
  };
  for (const auto& c : cases) {
    auto got = parse_server_address(c.text, 53);
    if (!c.address) {
      EXPECT_FALSE(got) << c.text;
      continue;
    }
    ASSERT_TRUE(got) << c.text << ": " << got.error().message;
    EXPECT_EQ(got->address.to_string(), c.address);
    EXPECT_EQ(got->port, c.port);
  }
}

}  // namespace
}  // namespace mxkit::resolver

// One reverse-name builder for dig -x, PTR checks, DNSBL queries and SPF's %{ir} (RFC 3596 §2.5).
TEST(ReverseName, Ipv4AndIpv6) {
  const auto v4 = asio::ip::make_address("192.0.2.1");
  EXPECT_EQ(mxkit::resolver::reversed_labels(v4), "1.2.0.192");
  EXPECT_EQ(mxkit::resolver::reverse_name(v4), "1.2.0.192.in-addr.arpa.");
  const auto v6 = asio::ip::make_address("2001:db8::1");
  EXPECT_EQ(mxkit::resolver::reverse_name(v6),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}
