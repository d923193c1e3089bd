// The resolver cache on a fake clock: TTLs counted down, caps, ranking, negative entries,
// CNAME chains, delegations, LRU eviction and serve-stale.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "resolver/cache.hpp"
#include "resolver_test_util.hpp"

namespace mxkit::resolver {
namespace {

using namespace testing;
using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  Cache::Clock clock() {
    return [this] { return now; };
  }
};

class CacheTest : public ::testing::Test {
 protected:
  FakeClock time;
  CacheLimits limits;
  Cache make() { return Cache(limits, time.clock()); }
};

TEST_F(CacheTest, TtlCountsDownAndExpires) {
  auto cache = make();
  ASSERT_TRUE(
      cache.put_rrset(R("a.test. 100 A 192.0.2.1\na.test. 200 A 192.0.2.2"), Rank::AuthAnswer));
  auto hit = cache.find(N("A.TEST."), dns::rrtype::A);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->ttl, 100u);  // the RRset's smallest TTL
  EXPECT_EQ(hit->records.size(), 2u);
  time.now += 40s;
  hit = cache.find(N("a.test."), dns::rrtype::A);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->ttl, 60u);
  EXPECT_EQ(hit->records[1].ttl, 60u);
  time.now += 60s;
  EXPECT_FALSE(cache.find(N("a.test."), dns::rrtype::A));
  EXPECT_EQ(cache.size(), 0u);  // dropped, serve-stale being off
}

TEST_F(CacheTest, TtlCapAndZeroTtl) {
  limits.max_ttl = 50;
  auto cache = make();
  cache.put_rrset(R("a.test. 86400 A 192.0.2.1"), Rank::AuthAnswer);
  EXPECT_EQ(cache.find(N("a.test."), dns::rrtype::A)->ttl, 50u);
  EXPECT_FALSE(cache.put_rrset(R("z.test. 0 A 192.0.2.1"), Rank::AuthAnswer));
}

TEST_F(CacheTest, GlueDoesNotReplaceAnAuthoritativeAnswer) {
  auto cache = make();
  cache.put_rrset(R("ns.test. 300 A 192.0.2.1"), Rank::AuthAnswer);
  EXPECT_FALSE(cache.put_rrset(R("ns.test. 300 A 203.0.113.66"), Rank::Glue));
  auto hit = cache.find(N("ns.test."), dns::rrtype::A);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->records.front().rdata, (std::vector<std::uint8_t>{192, 0, 2, 1}));
  // The better answer replaces glue, and expired data is replaced by anything.
  cache.put_rrset(R("g.test. 300 A 192.0.2.7"), Rank::Glue);
  EXPECT_TRUE(cache.put_rrset(R("g.test. 300 A 192.0.2.8"), Rank::AuthAnswer));
  time.now += 301s;
  EXPECT_TRUE(cache.put_rrset(R("ns.test. 300 A 203.0.113.66"), Rank::Glue));
}

TEST_F(CacheTest, NegativeEntries) {
  limits.max_negative_ttl = 100;
  auto cache = make();
  cache.put_nxdomain(N("gone.test."), 3600, Rank::AuthAuthority);
  cache.put_nodata(N("a.test."), dns::rrtype::AAAA, 30, Rank::AuthAuthority);
  auto nx = cache.find(N("gone.test."), dns::rrtype::MX);  // every type of the name
  ASSERT_TRUE(nx);
  EXPECT_EQ(nx->kind, Cache::HitKind::NxDomain);
  EXPECT_EQ(nx->ttl, 100u);  // capped
  auto nodata = cache.find(N("a.test."), dns::rrtype::AAAA);
  ASSERT_TRUE(nodata);
  EXPECT_EQ(nodata->kind, Cache::HitKind::NoData);
  EXPECT_FALSE(cache.find(N("a.test."), dns::rrtype::A));
  // Data for the name proves it exists.
  cache.put_rrset(R("gone.test. A 192.0.2.1"), Rank::AuthAnswer);
  EXPECT_EQ(cache.find(N("gone.test."), dns::rrtype::A)->kind, Cache::HitKind::RRset);
}

TEST_F(CacheTest, LookupFollowsCachedCnames) {
  auto cache = make();
  cache.put_rrset(R("www.test. 100 CNAME web.test."), Rank::AuthAnswer);
  cache.put_rrset(R("web.test. 50 A 192.0.2.80"), Rank::AuthAnswer);
  auto l = cache.lookup(N("www.test."), dns::rrtype::A, 8);
  ASSERT_TRUE(l.resolution);
  EXPECT_EQ(l.resolution->status, Status::Answer);
  EXPECT_TRUE(l.resolution->from_cache);
  EXPECT_EQ(l.resolution->cnames.size(), 1u);
  EXPECT_EQ(l.resolution->ttl, 50u);
  // A chain whose end is not cached: how far it got.
  cache.put_rrset(R("x.test. CNAME y.test."), Rank::AuthAnswer);
  auto partial = cache.lookup(N("x.test."), dns::rrtype::A, 8);
  EXPECT_FALSE(partial.resolution);
  EXPECT_EQ(partial.next.to_text(), "y.test.");
  // A loop ends at max_cname.
  cache.put_rrset(R("l1.test. CNAME l2.test."), Rank::AuthAnswer);
  cache.put_rrset(R("l2.test. CNAME l1.test."), Rank::AuthAnswer);
  auto loop = cache.lookup(N("l1.test."), dns::rrtype::A, 8);
  EXPECT_FALSE(loop.resolution);
  EXPECT_EQ(loop.cnames.size(), 8u);
  // NXDOMAIN at the end of a chain.
  cache.put_nxdomain(N("y.test."), 60, Rank::AuthAuthority);
  auto nx = cache.lookup(N("x.test."), dns::rrtype::A, 8);
  ASSERT_TRUE(nx.resolution);
  EXPECT_EQ(nx.resolution->status, Status::NxDomain);
  EXPECT_EQ(nx.resolution->ttl, 60u);
}

TEST_F(CacheTest, ClosestDelegation) {
  auto cache = make();
  EXPECT_FALSE(cache.closest_delegation(N("a.example.test.")));
  cache.put_rrset(R(". NS a.root.\n"), Rank::Referral);
  cache.put_rrset(R("test. NS ns.test.\ntest. NS ns.other."), Rank::Referral);
  cache.put_rrset(R("ns.test. A 127.0.0.3"), Rank::Glue);
  auto d = cache.closest_delegation(N("a.example.test."));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->zone.to_text(), "test.");
  EXPECT_EQ(d->ns.size(), 2u);
  EXPECT_EQ(d->addresses.size(), 1u);
  EXPECT_EQ(cache.closest_delegation(N("com."))->zone.to_text(), ".");
}

TEST_F(CacheTest, EvictsLeastRecentlyUsed) {
  limits.max_bytes = 2000;
  auto cache = make();
  for (int i = 0; i < 50; ++i)
    cache.put_rrset(R(fmt::format("h{}.test. A 192.0.2.{}", i, i)), Rank::AuthAnswer);
  EXPECT_LE(cache.bytes(), 2000u);
  EXPECT_LT(cache.size(), 50u);
  EXPECT_TRUE(cache.find(N("h49.test."), dns::rrtype::A));
  EXPECT_FALSE(cache.find(N("h0.test."), dns::rrtype::A));
  // Touching an entry keeps it over later ones.
  const std::size_t kept = cache.size();
  auto oldest = N(fmt::format("h{}.test.", 50 - kept));
  ASSERT_TRUE(cache.find(oldest, dns::rrtype::A));
  cache.put_rrset(R("n.test. A 192.0.2.200"), Rank::AuthAnswer);
  EXPECT_TRUE(cache.find(oldest, dns::rrtype::A));
}

TEST_F(CacheTest, ServeStale) {
  limits.serve_stale = true;
  limits.stale_limit = 3600s;
  auto cache = make();
  cache.put_rrset(R("a.test. 100 A 192.0.2.1"), Rank::AuthAnswer);
  time.now += 200s;
  EXPECT_FALSE(cache.find(N("a.test."), dns::rrtype::A));
  auto stale = cache.find(N("a.test."), dns::rrtype::A, true);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->stale);
  EXPECT_EQ(stale->ttl, 30u);
  auto l = cache.lookup(N("a.test."), dns::rrtype::A, 8, true);
  ASSERT_TRUE(l.resolution);
  EXPECT_EQ(l.resolution->ttl, 30u);
  time.now += 3600s;  // stale longer than the limit
  EXPECT_FALSE(cache.find(N("a.test."), dns::rrtype::A, true));
}

TEST_F(CacheTest, ClassifiedReplies) {
  auto cache = make();
  Classified referral;
  referral.kind = ReplyKind::Referral;
  referral.cut = N("example.test.");
  referral.ns = R("example.test. NS ns1.example.test.\nexample.test. NS ns2.example.test.");
  referral.glue =
      R("ns1.example.test. A 192.0.2.1\nns2.example.test. A 192.0.2.2\nns1.example.test. A "
        "192.0.2.3");
  cache_classified(cache, referral, dns::rrtype::A, true);
  EXPECT_EQ(cache.find(N("ns1.example.test."), dns::rrtype::A)->records.size(), 2u);
  EXPECT_EQ(cache.closest_delegation(N("www.example.test."))->addresses.size(), 3u);

  Classified nx;
  nx.kind = ReplyKind::NxDomain;
  nx.cnames = R("www.example.test. CNAME gone.example.test.");
  nx.target = N("gone.example.test.");
  nx.negative_ttl = 30;
  cache_classified(cache, nx, dns::rrtype::A, true);
  auto l = cache.lookup(N("www.example.test."), dns::rrtype::MX, 8);
  ASSERT_TRUE(l.resolution);
  EXPECT_EQ(l.resolution->status, Status::NxDomain);
}

}  // namespace
}  // namespace mxkit::resolver
