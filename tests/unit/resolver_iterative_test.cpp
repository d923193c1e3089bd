// The iterative state machine against a fake internet: zones answered by the authoritative
// answer function, servers that time out or refuse, and the limits. No sockets.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "auth/answer.hpp"
#include "auth/zone.hpp"
#include "dns/message_builder.hpp"
#include "resolver/iterative.hpp"
#include "resolver/query.hpp"
#include "resolver_test_util.hpp"
#include "zone_from_text.hpp"

namespace mxkit::resolver {
namespace {

using namespace testing;
using namespace std::chrono_literals;

const char* kRoot = R"(
. 86400 SOA a.root. host.root. 1 2 3 4 3600
. NS a.root.
a.root. A 127.0.0.2
test. NS ns.test.
ns.test. A 127.0.0.3
)";

const char* kTest = R"(
test. SOA ns.test. host.test. 1 2 3 4 300
test. NS ns.test.
ns.test. A 127.0.0.3
example.test. NS ns1.example.test.
example.test. NS ns2.example.test.
ns1.example.test. A 127.0.0.4
ns2.example.test. A 127.0.0.5
other.test. NS ns.elsewhere.test.
elsewhere.test. NS ns.elsewhere.test.
ns.elsewhere.test. A 127.0.0.6
far.test. NS ns.example.test.
loopa.test. NS ns.loopb.test.
loopb.test. NS ns.loopa.test.
)";

const char* kExample = R"(
example.test. SOA ns1.example.test. host.example.test. 1 2 3 4 60
example.test. NS ns1.example.test.
example.test. NS ns2.example.test.
ns1.example.test. A 127.0.0.4
ns2.example.test. A 127.0.0.5
ns.example.test. A 127.0.0.6
www.example.test. CNAME web.example.test.
web.example.test. A 192.0.2.80
ext.example.test. CNAME www.other.test.
)";

const char* kOther = R"(
other.test. SOA ns.elsewhere.test. host.other.test. 1 2 3 4 60
other.test. NS ns.elsewhere.test.
www.other.test. A 192.0.2.90
)";

const char* kElsewhere = R"(
elsewhere.test. SOA ns.elsewhere.test. host.elsewhere.test. 1 2 3 4 60
elsewhere.test. NS ns.elsewhere.test.
ns.elsewhere.test. A 127.0.0.6
)";

const char* kFar = R"(
far.test. SOA ns.example.test. host.far.test. 1 2 3 4 60
far.test. NS ns.example.test.
mail.far.test. A 192.0.2.25
)";

std::shared_ptr<const auth::Zone> zone(const char* origin, const char* text) {
  return mxkit::test_support::zone_from_text(origin, text, 300);
}

// Servers by address; an address missing from the map times out.
class FakeInternet {
 public:
  FakeInternet() {
    serve("127.0.0.2", {zone(".", kRoot)});
    serve("127.0.0.3", {zone("test.", kTest)});
    serve("127.0.0.4", {zone("example.test.", kExample)});
    serve("127.0.0.5", {zone("example.test.", kExample)});
    serve("127.0.0.6", {zone("other.test.", kOther), zone("elsewhere.test.", kElsewhere),
                        zone("far.test.", kFar)});
  }
  void serve(const std::string& address, std::vector<std::shared_ptr<const auth::Zone>> zones) {
    auth::ZoneSet set;
    for (auto& z : zones) set.add(z);
    servers_[address] = std::move(set);
  }
  void take_down(const std::string& address) { servers_.erase(address); }

  std::optional<dns::Message> ask(const Iteration::Query& q) {
    asked.push_back(q);
    auto it = servers_.find(q.server.address.to_string());
    if (it == servers_.end()) return std::nullopt;
    auto query = make_query(q.qname, q.qtype, false, 1232);
    query.header.id = 77;
    auto wire = dns::build_message(query);
    std::vector<std::uint8_t> out(1232);
    auto result = auth::answer_query(it->second, *wire, out, false, {});
    auto check = check_reply(query, std::span(out.data(), result.size));
    EXPECT_EQ(check.verdict, ReplyVerdict::Accept) << check.why;
    return check.reply;
  }

  std::vector<Iteration::Query> asked;

 private:
  std::map<std::string, auth::ZoneSet> servers_;
};

class IterativeTest : public ::testing::Test {
 protected:
  IterativeTest() : cache(CacheLimits{}) {
    config.mode = ResolverConfig::Mode::Iterative;
    config.root_servers.push_back({asio::ip::make_address("127.0.0.2"), 53});
  }

  // The driver's loop, synchronously: send, or resolve a name server name, until finished.
  Resolution run(const dns::Name& qname, std::uint16_t qtype, WorkBudget& budget, unsigned depth,
                 std::vector<dns::Name>& resolving) {
    Iteration it(qname, qtype, config, cache, health, budget, depth);
    for (int guard = 0; guard < 1000; ++guard) {
      auto action = it.next(std::chrono::steady_clock::now());
      if (std::holds_alternative<Iteration::Finished>(action)) break;
      if (auto* q = std::get_if<Iteration::Query>(&action)) {
        ++sent;
        if (auto reply = net.ask(*q))
          it.on_reply(*q, *reply, std::chrono::steady_clock::now());
        else
          it.on_failure(*q, true, "timeout", std::chrono::steady_clock::now());
        continue;
      }
      auto host = std::get<Iteration::NeedAddresses>(action).host;
      if (std::find(resolving.begin(), resolving.end(), host) != resolving.end()) {
        it.on_addresses(host, {}, "delegation loop");
        continue;
      }
      resolving.push_back(host);
      auto sub = run(host, dns::rrtype::A, budget, depth + 1, resolving);
      resolving.pop_back();
      std::vector<asio::ip::address> addresses;
      for (const auto& r : sub.records)
        if (r.rdata.size() == 4)
          addresses.push_back(
              asio::ip::address_v4({r.rdata[0], r.rdata[1], r.rdata[2], r.rdata[3]}));
      it.on_addresses(host, addresses, sub.detail);
    }
    EXPECT_TRUE(it.finished());
    return it.result();
  }

  Resolution resolve(const std::string& name, std::uint16_t qtype = dns::rrtype::A) {
    WorkBudget budget{config.max_queries, std::chrono::steady_clock::now() + 60s};
    std::vector<dns::Name> resolving;
    sent = 0;
    net.asked.clear();
    return run(N(name), qtype, budget, 0, resolving);
  }

  ResolverConfig config;
  Cache cache;
  ServerHealth health;
  FakeInternet net;
  unsigned sent = 0;
};

TEST_F(IterativeTest, FromTheRootThroughAReferralChain) {
  auto r = resolve("www.example.test.");
  EXPECT_EQ(r.status, Status::Answer) << r.detail;
  ASSERT_EQ(r.cnames.size(), 1u);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records.front().owner.to_text(), "web.example.test.");
  EXPECT_EQ(sent, 3u);  // root, test., example.test.
  EXPECT_EQ(net.asked[0].zone.to_text(), ".");
  EXPECT_EQ(net.asked[1].zone.to_text(), "test.");
  EXPECT_EQ(net.asked[2].zone.to_text(), "example.test.");
  EXPECT_FALSE(r.from_cache);
  // Now from the cache, with no query.
  auto again = resolve("www.example.test.");
  EXPECT_EQ(again.status, Status::Answer);
  EXPECT_EQ(sent, 0u);
  EXPECT_TRUE(again.from_cache);
  // A sibling name starts at the cached cut.
  auto sibling = resolve("web.example.test.", dns::rrtype::AAAA);
  EXPECT_EQ(sibling.status, Status::NoData);
  EXPECT_EQ(sent, 1u);
  EXPECT_EQ(sibling.ttl, 60u);
}

TEST_F(IterativeTest, NxDomain) {
  auto r = resolve("gone.example.test.");
  EXPECT_EQ(r.status, Status::NxDomain);
  EXPECT_EQ(r.rcode, dns::rcode::NXDOMAIN);
  EXPECT_EQ(r.ttl, 60u);
}

TEST_F(IterativeTest, CnameIntoAnotherZone) {
  auto r = resolve("ext.example.test.");
  EXPECT_EQ(r.status, Status::Answer) << r.detail;
  ASSERT_EQ(r.cnames.size(), 1u);
  EXPECT_EQ(r.records.front().owner.to_text(), "www.other.test.");
}

TEST_F(IterativeTest, OutOfBailiwickNameServerResolved) {
  auto r = resolve("mail.far.test.");
  EXPECT_EQ(r.status, Status::Answer) << r.detail;
  ASSERT_EQ(r.records.size(), 1u);
}

TEST_F(IterativeTest, OneServerDownTheOtherAnswersAndIsRemembered) {
  net.take_down("127.0.0.4");
  auto r = resolve("web.example.test.");
  EXPECT_EQ(r.status, Status::Answer) << r.detail;
  EXPECT_EQ(sent, 4u);  // root, test., .4 (timeout), .5
  auto second = resolve("www.example.test.");
  EXPECT_EQ(second.status, Status::Answer);
  ASSERT_EQ(net.asked.size(), 1u);  // the failing server is not asked first
  EXPECT_EQ(net.asked[0].server.address.to_string(), "127.0.0.5");
}

TEST_F(IterativeTest, AllServersDown) {
  net.take_down("127.0.0.4");
  net.take_down("127.0.0.5");
  auto r = resolve("web.example.test.");
  EXPECT_EQ(r.status, Status::Timeout);
  EXPECT_EQ(r.detail, "all 2 servers of example.test. timed out");
}

// example.test. moves to a new server while its old delegation is cached, and the old servers
// go dark: the parent is asked again and its referral leads to the new server.
TEST_F(IterativeTest, StaleCachedDelegationIsRefreshedFromTheParent) {
  ASSERT_EQ(resolve("web.example.test.").status, Status::Answer);
  net.take_down("127.0.0.4");
  net.take_down("127.0.0.5");
  std::string test_zone = kTest;
  for (const char* old : {"127.0.0.4", "127.0.0.5"})
    test_zone.replace(test_zone.find(old), 9, "127.0.0.7");
  net.serve("127.0.0.3", {zone("test.", test_zone.c_str())});
  net.serve("127.0.0.7", {zone("example.test.", kExample)});
  auto r = resolve("www.example.test.");
  EXPECT_EQ(r.status, Status::Answer) << r.detail;
  ASSERT_GE(net.asked.size(), 4u);  // .4 and .5 time out, test. refers, .7 answers
  EXPECT_EQ(net.asked.back().server.address.to_string(), "127.0.0.7");
  EXPECT_EQ(net.asked[net.asked.size() - 2].zone.to_text(), "test.");
}

TEST_F(IterativeTest, LameServerSkipped) {
  net.serve("127.0.0.4", {});  // answers REFUSED: it does not serve example.test.
  auto r = resolve("web.example.test.");
  EXPECT_EQ(r.status, Status::Answer) << r.detail;
  net.serve("127.0.0.5", {});
  auto both = resolve("web2.example.test.");
  EXPECT_EQ(both.status, Status::ServFail);
  EXPECT_NE(both.detail.find("REFUSED"), std::string::npos) << both.detail;
}

TEST_F(IterativeTest, DelegationLoopEndsQuickly) {
  auto r = resolve("www.loopa.test.");
  EXPECT_EQ(r.status, Status::ServFail);
  EXPECT_NE(r.detail.find("delegation loop"), std::string::npos) << r.detail;
  EXPECT_LE(sent, 8u);
}

TEST_F(IterativeTest, QueryLimit) {
  config.max_queries = 2;
  auto r = resolve("www.example.test.");
  EXPECT_EQ(r.status, Status::ServFail);
  EXPECT_NE(r.detail.find("query limit"), std::string::npos) << r.detail;
  EXPECT_EQ(sent, 2u);
}

TEST_F(IterativeTest, NestingLimit) {
  config.max_depth = 0;
  auto r = resolve("mail.far.test.");
  EXPECT_EQ(r.status, Status::ServFail);
  EXPECT_NE(r.detail.find("nesting limit"), std::string::npos) << r.detail;
}

TEST_F(IterativeTest, PortOverrideReachesReferredServers) {
  config.port_override = 5353;
  resolve("www.example.test.");
  ASSERT_EQ(net.asked.size(), 3u);
  for (const auto& q : net.asked) EXPECT_EQ(q.server.port, 5353);
}

TEST_F(IterativeTest, TimeBudget) {
  WorkBudget budget{64, std::chrono::steady_clock::now() - 1s};
  std::vector<dns::Name> resolving;
  auto r = run(N("www.example.test."), dns::rrtype::A, budget, 0, resolving);
  EXPECT_EQ(r.status, Status::Timeout);
  EXPECT_NE(r.detail.find("budget"), std::string::npos);
}

TEST(ServerHealth, RemembersForAWhile) {
  ServerHealth health;
  ServerAddress s{asio::ip::make_address("127.0.0.9"), 53};
  const auto now = std::chrono::steady_clock::now();
  EXPECT_FALSE(health.avoid(s, now));
  health.failed(s, now, 60s);
  EXPECT_TRUE(health.avoid(s, now + 59s));
  EXPECT_FALSE(health.avoid(s, now + 61s));
  EXPECT_FALSE(health.avoid({s.address, 54}, now));
}

TEST(ServerHealth, FailingServersGoLast) {
  ServerHealth health;
  auto server = [](const char* ip) { return ServerAddress{asio::ip::make_address(ip), 53}; };
  const std::vector<ServerAddress> servers = {server("127.0.0.1"), server("127.0.0.2"),
                                              server("127.0.0.3")};
  const auto now = std::chrono::steady_clock::now();
  auto text = [&](const std::vector<ServerAddress>& order) {
    std::string out;
    for (const auto& s : order) out += s.address.to_string() + " ";
    return out;
  };
  EXPECT_EQ(text(health.order(servers, now)), "127.0.0.1 127.0.0.2 127.0.0.3 ");
  health.failed(servers[0], now, 60s);
  health.failed(servers[1], now, 30s);
  EXPECT_EQ(text(health.order(servers, now)), "127.0.0.3 127.0.0.1 127.0.0.2 ");
  EXPECT_EQ(text(health.order(servers, now + 45s)), "127.0.0.2 127.0.0.3 127.0.0.1 ");
}

}  // namespace
}  // namespace mxkit::resolver
