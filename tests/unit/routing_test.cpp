// MX routing: scripted DNS data in, delivery plans out (RFC 5321 §5.1, RFC 7505), plus the
// randomisation of equal preferences checked with a bounded chi-square test.
#include <array>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dns/name.hpp"
#include "dns/rrtype.hpp"
#include "routing/planner.hpp"

namespace dns = mxkit::dns;
namespace routing = mxkit::routing;
using routing::LookupRequest;
using routing::LookupResult;
using routing::LookupStatus;
using routing::Outcome;

namespace {

dns::Name name(std::string_view text) {
  auto n = dns::Name::from_text(text);
  EXPECT_TRUE(n) << text;
  return n ? *n : dns::Name();
}

// "owner TYPE data": MX "pref exchange", A/AAAA an address, CNAME a target; TTL 300 unless
// the line starts with a number ("60 owner TYPE data").
dns::Record record(const std::string& line) {
  std::istringstream in(line);
  std::string first, owner, type, data;
  in >> first;
  std::uint32_t ttl = 300;
  if (!first.empty() && std::isdigit(static_cast<unsigned char>(first[0])) && first.back() != '.') {
    ttl = static_cast<std::uint32_t>(std::stoul(first));
    in >> owner;
  } else {
    owner = first;
  }
  in >> type;
  dns::Record r;
  r.owner = name(owner);
  r.ttl = ttl;
  if (type == "MX") {
    unsigned pref = 0;
    std::string exchange;
    in >> pref >> exchange;
    r.type = dns::rrtype::MX;
    r.rdata = {static_cast<std::uint8_t>(pref >> 8), static_cast<std::uint8_t>(pref & 0xff)};
    const dns::Name target = name(exchange);
    r.rdata.insert(r.rdata.end(), target.wire().begin(), target.wire().end());
  } else if (type == "CNAME") {
    in >> data;
    r.type = dns::rrtype::CNAME;
    const dns::Name target = name(data);
    r.rdata.assign(target.wire().begin(), target.wire().end());
  } else {
    in >> data;
    auto a = routing::parse_address(data);
    EXPECT_TRUE(a) << line;
    r.type = type == "A" ? dns::rrtype::A : dns::rrtype::AAAA;
    r.rdata.assign(a->octets.begin(), a->octets.begin() + (type == "A" ? 4 : 16));
  }
  return r;
}

// A small scripted DNS: the records of a few zones, names that fail temporarily, and a log of
// what was asked. CNAMEs are chased as a resolver would.
struct FakeDns {
  std::vector<dns::Record> records;
  std::set<std::string> tempfail;  // "name TYPE" or "name *"
  std::vector<LookupRequest> asked;

  explicit FakeDns(const std::vector<std::string>& lines, std::vector<std::string> fails = {}) {
    for (const auto& l : lines) records.push_back(record(l));
    tempfail.insert(fails.begin(), fails.end());
  }

  LookupResult operator()(const LookupRequest& request) {
    asked.push_back(request);
    LookupResult result;
    result.source = "fake";
    dns::Name current = request.name;
    for (int link = 0; link < 8; ++link) {
      const std::string key = current.lowercase().to_text();
      if (tempfail.count(fmt::format("{} *", key)) ||
          tempfail.count(fmt::format("{} {}", key, dns::type_to_text(request.type)))) {
        result.status = LookupStatus::TempFail;
        result.detail = "scripted timeout";
        return result;
      }
      bool exists = false;
      const dns::Record* alias = nullptr;
      for (const auto& r : records) {
        if (!(r.owner == current)) continue;
        exists = true;
        if (r.type == request.type) result.records.push_back(r);
        if (r.type == dns::rrtype::CNAME) alias = &r;
      }
      if (!result.records.empty()) {
        result.status = LookupStatus::Answer;
        result.ttl = result.records.front().ttl;
        return result;
      }
      if (alias && request.type != dns::rrtype::CNAME) {
        result.cnames.push_back(*alias);
        current = dns::Name::from_wire(alias->rdata);
        continue;
      }
      result.status = exists ? LookupStatus::NoData : LookupStatus::NxDomain;
      result.ttl = 60;
      return result;
    }
    result.status = LookupStatus::TempFail;
    result.detail = "CNAME chain too long";
    return result;
  }
};

std::string describe_target(const routing::PlannedTarget& t) {
  std::string s = fmt::format("{} {}", t.preference, t.exchange.to_text());
  for (const auto& a : t.addresses) s += fmt::format(" {}", a.to_text());
  return s;
}

std::vector<std::string> targets_of(const routing::DeliveryPlan& plan) {
  std::vector<std::string> out;
  for (const auto& t : plan.targets) out.push_back(describe_target(t));
  return out;
}

bool any_contains(const std::vector<routing::Remark>& remarks, const std::string& needle) {
  for (const auto& r : remarks)
    if (r.message.find(needle) != std::string::npos) return true;
  return false;
}

// The common zone of the scenarios: example.test and its hosts.
const std::vector<std::string> kHosts = {
    "mail1.example.test. A 192.0.2.1",  "mail1.example.test. AAAA 2001:db8::1",
    "mail2.example.test. A 192.0.2.2",  "mail3.example.test. A 192.0.2.3",
    "multi.example.test. A 192.0.2.13", "multi.example.test. A 192.0.2.11",
    "multi.example.test. A 192.0.2.12", "alias.example.test. CNAME mail2.example.test.",
    "noaddr.example.test. TXT x",
};

struct Scenario {
  const char* title;
  std::vector<std::string> records;  // besides kHosts
  std::vector<std::string> tempfail;
  const char* domain;
  Outcome outcome;
  bool implicit_mx;
  std::vector<std::string> targets;        // "pref exchange addr...", in delivery order
  const char* enhanced = "";               // "" for deliverable
  std::vector<std::string> warnings = {};  // substrings that must appear
  std::vector<std::string> skipped = {};   // "exchange: reason substring"
  std::vector<std::string> self = {};
  routing::AddressPreference preference = routing::AddressPreference::Ipv6First;
  std::size_t lookups = 0;  // expected number of lookups, 0 = not checked
};

// clang-format off: one scenario a few lines, aligned by hand.
std::vector<Scenario> scenarios() {
  using routing::AddressPreference;
  return {
      {"two MX 10/20",
       {"example.test. MX 10 mail1.example.test.", "example.test. MX 20 mail2.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail1.example.test. 2001:db8::1 192.0.2.1", "20 mail2.example.test. 192.0.2.2"},
       "",
       {},
       {},
       {},
       AddressPreference::Ipv6First,
       5},
      {"null MX",
       {"example.test. MX 0 ."},
       {},
       "example.test.",
       Outcome::NullMx,
       false,
       {},
       "5.1.10",
       {},
       {},
       {},
       AddressPreference::Ipv6First,
       1},
      {"null MX with preference 10 is still null MX",
       {"example.test. MX 10 ."},
       {},
       "example.test.",
       Outcome::NullMx,
       false,
       {},
       "5.1.10",
       {"should be a single record"}},
      {"null MX beside another MX",
       {"example.test. MX 0 .", "example.test. MX 10 mail2.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail2.example.test. 192.0.2.2"},
       "",
       {"null MX beside other MX records"}},
      {"no MX, A and AAAA: implicit MX",
       {"example.test. A 192.0.2.80", "example.test. AAAA 2001:db8::80"},
       {},
       "example.test.",
       Outcome::Deliverable,
       true,
       {"0 example.test. 2001:db8::80 192.0.2.80"},
       "",
       {},
       {},
       {},
       AddressPreference::Ipv6First,
       3},
      {"no MX and no address",
       {"example.test. TXT x"},
       {},
       "example.test.",
       Outcome::NoUsableTargets,
       true,
       {},
       "5.4.4",
       {},
       {"example.test.: it has no AAAA or A records"}},
      {"NXDOMAIN",
       {},
       {},
       "nowhere.example.test.",
       Outcome::NxDomain,
       false,
       {},
       "5.1.2",
       {},
       {},
       {},
       AddressPreference::Ipv6First,
       1},
      {"CNAME at the domain, MX at the target",
       {"example.test. CNAME real.example.test.", "real.example.test. MX 10 mail2.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail2.example.test. 192.0.2.2"}},
      {"CNAME at the domain, implicit MX at the canonical name",
       {"example.test. CNAME real.example.test.", "real.example.test. A 192.0.2.90"},
       {},
       "example.test.",
       Outcome::Deliverable,
       true,
       {"0 real.example.test. 192.0.2.90"}},
      {"CNAME at the domain to a name that does not exist",
       {"example.test. CNAME gone.example.test."},
       {},
       "example.test.",
       Outcome::NxDomain,
       false,
       {},
       "5.1.2"},
      {"MX target is a CNAME",
       {"example.test. MX 10 alias.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 alias.example.test. 192.0.2.2"},
       "",
       {"MX target alias.example.test. is a CNAME (to mail2.example.test.)"}},
      {"MX target is an IP literal",
       {"example.test. MX 10 192.0.2.77."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 192.0.2.77. 192.0.2.77"},
       "",
       {"is an IP literal"},
       {},
       {},
       AddressPreference::Ipv6First,
       1},
      {"MX target is an IPv6 literal",
       {"example.test. MX 10 2001:db8::99."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 2001:db8::99. 2001:db8::99"},
       "",
       {"is an IP literal"}},
      {"an IPv6 literal with ipv4-only is unusable",
       {"example.test. MX 10 2001:db8::99."},
       {},
       "example.test.",
       Outcome::NoUsableTargets,
       false,
       {},
       "5.4.4",
       {},
       {"2001:db8::99.: family ipv4-only excludes"},
       {},
       AddressPreference::Ipv4Only},
      {"a name that starts like an address is a host name",
       {"example.test. MX 10 192.0.2.1.example.test.", "192.0.2.1.example.test. A 192.0.2.5"},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 192.0.2.1.example.test. 192.0.2.5"}},
      {"multihomed exchanger keeps DNS order",
       {"example.test. MX 10 multi.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 multi.example.test. 192.0.2.13 192.0.2.11 192.0.2.12"}},
      {"temporary failure on MX: no fallback to A",
       {"example.test. A 192.0.2.80"},
       {"example.test. MX"},
       "example.test.",
       Outcome::TemporaryFailure,
       false,
       {},
       "4.4.3",
       {},
       {},
       {},
       AddressPreference::Ipv6First,
       1},
      {"one target's address lookup fails temporarily",
       {"example.test. MX 10 mail1.example.test.", "example.test. MX 20 mail2.example.test."},
       {"mail1.example.test. *"},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"20 mail2.example.test. 192.0.2.2"},
       "",
       {},
       {"mail1.example.test.: temporary failure"}},
      {"every target fails temporarily",
       {"example.test. MX 10 mail1.example.test.", "example.test. MX 20 mail2.example.test."},
       {"mail1.example.test. *", "mail2.example.test. *"},
       "example.test.",
       Outcome::TemporaryFailure,
       false,
       {},
       "4.4.3"},
      {"a target with no address is skipped",
       {"example.test. MX 10 gone.example.test.", "example.test. MX 20 mail2.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"20 mail2.example.test. 192.0.2.2"},
       "",
       {"MUST have an address record"},
       {"gone.example.test.: NXDOMAIN"}},
      {"no target has an address",
       {"example.test. MX 10 gone.example.test.", "example.test. MX 20 noaddr.example.test."},
       {},
       "example.test.",
       Outcome::NoUsableTargets,
       false,
       {},
       "5.4.4",
       {},
       {"gone.example.test.: NXDOMAIN", "noaddr.example.test.: no AAAA or A"}},
      {"no address, one tempfail: temporary",
       {"example.test. MX 10 gone.example.test.", "example.test. MX 20 mail2.example.test."},
       {"mail2.example.test. A"},
       "example.test.",
       Outcome::TemporaryFailure,
       false,
       {},
       "4.4.3"},
      {"self in the MX list: its level and worse are cut",
       {"example.test. MX 10 mail1.example.test.", "example.test. MX 20 mail2.example.test.",
        "example.test. MX 20 mail3.example.test.", "example.test. MX 30 multi.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail1.example.test. 2001:db8::1 192.0.2.1"},
       "",
       {},
       {"mail2.example.test.: this host", "multi.example.test.: not better"},
       {"mail2.example.test."}},
      {"self by address",
       {"example.test. MX 10 mail1.example.test.", "example.test. MX 20 mail2.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail1.example.test. 2001:db8::1 192.0.2.1"},
       "",
       {},
       {"mail2.example.test.: this host"},
       {"192.0.2.2"}},
      {"self at the best level: loop",
       {"example.test. MX 10 mail1.example.test.", "example.test. MX 20 mail2.example.test."},
       {},
       "example.test.",
       Outcome::NoUsableTargets,
       false,
       {},
       "5.4.6",
       {},
       {},
       {"2001:db8::1"}},
      {"self as the implicit MX: loop",
       {"example.test. A 192.0.2.80"},
       {},
       "example.test.",
       Outcome::NoUsableTargets,
       true,
       {},
       "5.4.6",
       {},
       {},
       {"example.test."}},
      {"duplicate exchange collapses to the best preference",
       {"example.test. MX 30 mail2.example.test.", "example.test. MX 10 mail2.example.test.",
        "example.test. MX 20 mail3.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail2.example.test. 192.0.2.2", "20 mail3.example.test. 192.0.2.3"},
       "",
       {"listed at preferences 10 and 30"}},
      {"ipv4-first",
       {"example.test. MX 10 mail1.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail1.example.test. 192.0.2.1 2001:db8::1"},
       "",
       {},
       {},
       {},
       AddressPreference::Ipv4First},
      {"ipv4-only asks no AAAA",
       {"example.test. MX 10 mail1.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail1.example.test. 192.0.2.1"},
       "",
       {},
       {},
       {},
       AddressPreference::Ipv4Only,
       2},
      {"ipv6-only skips IPv4-only hosts",
       {"example.test. MX 10 mail1.example.test.", "example.test. MX 20 mail2.example.test."},
       {},
       "example.test.",
       Outcome::Deliverable,
       false,
       {"10 mail1.example.test. 2001:db8::1"},
       "",
       {},
       {"mail2.example.test.: no AAAA records"},
       {},
       AddressPreference::Ipv6Only},
  };
}
// clang-format on

TEST(Routing, Scenarios) {
  for (const auto& s : scenarios()) {
    SCOPED_TRACE(s.title);
    auto lines = kHosts;
    lines.insert(lines.end(), s.records.begin(), s.records.end());
    FakeDns fake({}, s.tempfail);
    for (const auto& l : lines) {
      if (l.find(" TXT ") != std::string::npos) {
        // A name that exists with no address records.
        fake.records.push_back(
            dns::Record{name(l.substr(0, l.find(' '))), dns::rrtype::TXT, 1, 300, {}});
      } else {
        fake.records.push_back(record(l));
      }
    }
    routing::RoutingOptions options;
    options.address_preference = s.preference;
    for (const auto& self : s.self) {
      if (auto a = routing::parse_address(self)) {
        options.self_addresses.push_back(*a);
      } else {
        options.self_names.push_back(name(self));
      }
    }
    std::mt19937_64 rng(1);
    auto plan = routing::plan_route(name(s.domain), options, rng, std::ref(fake));
    EXPECT_EQ(routing::outcome_name(plan.outcome), routing::outcome_name(s.outcome)) << plan.reason;
    EXPECT_EQ(plan.implicit_mx, s.implicit_mx);
    EXPECT_EQ(targets_of(plan), s.targets);
    if (s.outcome == Outcome::Deliverable) {
      EXPECT_FALSE(plan.status);
    } else {
      ASSERT_TRUE(plan.status);
      EXPECT_EQ(plan.status->enhanced, s.enhanced);
    }
    EXPECT_FALSE(plan.reason.empty());
    for (const auto& w : s.warnings)
      EXPECT_TRUE(any_contains(plan.warnings, w)) << "missing warning: " << w;
    for (const auto& k : s.skipped) {
      const auto colon = k.find(": ");
      bool found = false;
      for (const auto& skipped : plan.skipped)
        found = found || (skipped.exchange.to_text() == k.substr(0, colon) &&
                          skipped.reason.find(k.substr(colon + 2)) != std::string::npos);
      EXPECT_TRUE(found) << "missing skipped: " << k;
    }
    // Every remark and skip carries a code from the documented list (docs/json.md).
    static const std::set<std::string> kCodes = {
        "malformed-mx", "duplicate-exchange", "null-mx-not-single", "null-mx-beside-mx",
        "too-many-mx", "mx-ip-literal", "mx-target-cname", "malformed-address",
        "mx-target-without-address", "domain-cname-followed", "implicit-mx", "self-in-mx-list",
        "family-excluded", "address-lookup-failed", "nxdomain", "no-address-records", "self",
        "not-better-than-self"};
    for (const auto& r : plan.warnings) EXPECT_TRUE(kCodes.contains(r.code)) << r.message;
    for (const auto& r : plan.notes) EXPECT_TRUE(kCodes.contains(r.code)) << r.message;
    for (const auto& k : plan.skipped) EXPECT_TRUE(kCodes.contains(k.code)) << k.reason;
    if (s.lookups) {
      EXPECT_EQ(fake.asked.size(), s.lookups);
    }
    EXPECT_EQ(plan.steps.size(), fake.asked.size());
    // RFC 5321 §5.1: with MX records present, only the exchangers' addresses are asked for,
    // never the domain's own (unless it is itself an exchanger).
    std::set<std::string> exchangers;
    for (const auto& t : plan.targets) exchangers.insert(t.exchange.to_text());
    for (const auto& k : plan.skipped) exchangers.insert(k.exchange.to_text());
    for (const auto& q : fake.asked)
      if (q.type != dns::rrtype::MX) {
        EXPECT_TRUE(exchangers.count(q.name.to_text())) << q.name.to_text();
      }
  }
}

TEST(Routing, PlannerAsksMxFirstThenAllAddressesAtOnce) {
  std::mt19937_64 rng(7);
  routing::RoutePlanner planner(name("example.test."), {}, rng);
  auto first = planner.pending();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].type, dns::rrtype::MX);
  EXPECT_FALSE(planner.supply(LookupRequest{name("other.test."), dns::rrtype::MX}, {}));
  LookupResult mx;
  mx.status = LookupStatus::Answer;
  mx.records = {record("example.test. MX 10 mail1.example.test."),
                record("example.test. MX 20 mail2.example.test.")};
  EXPECT_TRUE(planner.supply(first[0], mx));
  EXPECT_FALSE(planner.done());
  auto second = planner.pending();
  ASSERT_EQ(second.size(), 4u);  // AAAA and A of both targets
  // Results may come back in any order; the plan does not depend on it.
  for (auto it = second.rbegin(); it != second.rend(); ++it) {
    LookupResult r;
    r.status = LookupStatus::NoData;
    if (it->type == dns::rrtype::A) {
      r.status = LookupStatus::Answer;
      r.records = {record(fmt::format("{} A 192.0.2.9", it->name.to_text()))};
    }
    EXPECT_TRUE(planner.supply(*it, r));
  }
  ASSERT_TRUE(planner.done());
  EXPECT_TRUE(planner.pending().empty());
  const auto& plan = planner.plan();
  EXPECT_EQ(plan.outcome, Outcome::Deliverable);
  ASSERT_EQ(plan.steps.size(), 5u);
  EXPECT_EQ(plan.steps[0].request.type, dns::rrtype::MX);  // steps in issue order
  EXPECT_EQ(plan.steps[1].request, second[0]);
}

TEST(Routing, CapOnTargetsIsReported) {
  std::vector<std::string> lines;
  for (int i = 0; i < 60; ++i) {
    lines.push_back(fmt::format("example.test. MX {} m{}.example.test.", i, i));
    lines.push_back(fmt::format("m{}.example.test. A 192.0.2.{}", i, i + 1));
  }
  FakeDns fake(lines);
  std::mt19937_64 rng(3);
  routing::RoutingOptions options;
  options.address_preference = routing::AddressPreference::Ipv4Only;
  auto plan = routing::plan_route(name("example.test."), options, rng, std::ref(fake));
  ASSERT_EQ(plan.targets.size(), 50u);
  EXPECT_EQ(plan.targets.back().preference, 49);
  EXPECT_TRUE(any_contains(plan.warnings, "has 60 MX targets; only the first 50"));
  EXPECT_EQ(fake.asked.size(), 51u);
}

TEST(Routing, PlanTtlIsTheSmallestStepTtl) {
  FakeDns fake(
      {"3600 example.test. MX 10 mail1.example.test.", "120 mail1.example.test. A 192.0.2.1"});
  std::mt19937_64 rng(3);
  routing::RoutingOptions options;
  options.address_preference = routing::AddressPreference::Ipv4Only;
  auto plan = routing::plan_route(name("example.test."), options, rng, std::ref(fake));
  EXPECT_EQ(plan.ttl, 120u);
}

// RFC 5321 §5.1: equal preferences MUST be randomised. Over 6,000 plans of three MX at one
// preference, each of the 3! = 6 orders must come up about 1,000 times: the chi-square
// statistic against the uniform distribution must stay under 20.515, the critical value for
// 5 degrees of freedom at p = 0.001. The seeds are fixed, so the test is deterministic; a
// biased shuffle (say, swapping with any index instead of one at most i) fails it by far.
// The better and the worse preference around them must never mix in.
TEST(Routing, EqualPreferencesAreShuffledUniformly) {
  FakeDns fake({"example.test. MX 5 first.example.test.", "example.test. MX 10 a.example.test.",
                "example.test. MX 10 b.example.test.", "example.test. MX 10 c.example.test.",
                "example.test. MX 20 last.example.test.", "first.example.test. A 192.0.2.1",
                "a.example.test. A 192.0.2.2", "b.example.test. A 192.0.2.3",
                "c.example.test. A 192.0.2.4", "last.example.test. A 192.0.2.5"});
  routing::RoutingOptions options;
  options.address_preference = routing::AddressPreference::Ipv4Only;
  for (std::uint64_t seed : {1u, 20261127u}) {
    std::mt19937_64 rng(seed);
    std::map<std::string, int> counts;
    constexpr int kPlans = 6000;
    for (int i = 0; i < kPlans; ++i) {
      auto plan = routing::plan_route(name("example.test."), options, rng, std::ref(fake));
      ASSERT_EQ(plan.targets.size(), 5u);
      ASSERT_EQ(plan.targets.front().exchange, name("first.example.test."));
      ASSERT_EQ(plan.targets.back().exchange, name("last.example.test."));
      std::string order;
      for (std::size_t t = 1; t < 4; ++t) {
        ASSERT_EQ(plan.targets[t].preference, 10);
        order += plan.targets[t].exchange.to_text().substr(0, 1);
      }
      counts[order]++;
    }
    ASSERT_EQ(counts.size(), 6u);
    const double expected = kPlans / 6.0;
    double chi2 = 0;
    for (const auto& [order, n] : counts) chi2 += (n - expected) * (n - expected) / expected;
    EXPECT_LT(chi2, 20.515) << "seed " << seed;
  }
}

}  // namespace
