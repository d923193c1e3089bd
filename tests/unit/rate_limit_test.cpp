// Response rate limiting: buckets per client network and answer, refill, slip.
#include <gtest/gtest.h>

#include "auth/rate_limit.hpp"
#include "dns/message.hpp"
#include "dns/rrtype.hpp"

namespace auth = mxkit::auth;
namespace dns = mxkit::dns;

namespace {

constexpr std::uint64_t kSecond = 1'000'000'000;

struct Counts {
  int send = 0, drop = 0, slip = 0;
};

Counts run(auth::RateLimiter& rl, std::span<const std::uint8_t> client, const char* name, std::uint16_t rcode,
           int n, std::uint64_t start, std::uint64_t step) {
  Counts c;
  auto qname = *dns::Name::from_text(name);
  for (int i = 0; i < n; ++i) {
    switch (rl.check(client, qname.wire(), dns::rrtype::A, rcode, start + static_cast<std::uint64_t>(i) * step)) {
      case auth::RateLimiter::Verdict::send: ++c.send; break;
      case auth::RateLimiter::Verdict::drop: ++c.drop; break;
      case auth::RateLimiter::Verdict::slip: ++c.slip; break;
    }
  }
  return c;
}

TEST(RateLimit, OffByDefault) {
  auth::RateLimiter rl({});
  const std::uint8_t client[] = {192, 0, 2, 1};
  auto c = run(rl, client, "a.example.", dns::rcode::NOERROR, 1000, 0, 0);
  EXPECT_EQ(c.send, 1000);
}

TEST(RateLimit, BurstThenRateAndSlip) {
  auth::RateLimiter rl({10, 2, 1024});
  const std::uint8_t client[] = {192, 0, 2, 1};
  // 100 identical answers at once: a second's allowance (10) goes out, the rest is limited,
  // every second one of those as a truncated reply.
  auto burst = run(rl, client, "a.example.", dns::rcode::NOERROR, 100, 0, 0);
  EXPECT_EQ(burst.send, 10);
  EXPECT_EQ(burst.slip, 45);
  EXPECT_EQ(burst.drop, 45);
  // Then one every 50 ms (20/s against a rate of 10/s) for 10 s: about half go out.
  auto steady = run(rl, client, "a.example.", dns::rcode::NOERROR, 200, kSecond, kSecond / 20);
  EXPECT_NEAR(steady.send, 100, 12);
  // Another network, and another name, each have their own allowance.
  // The same /24 shares one: just after the steady run, the bucket is nearly empty.
  const std::uint8_t neighbour[] = {192, 0, 2, 200};
  EXPECT_LE(run(rl, neighbour, "a.example.", dns::rcode::NOERROR, 10, 11 * kSecond, 0).send, 1);
  const std::uint8_t other[] = {198, 51, 100, 7};
  EXPECT_EQ(run(rl, other, "a.example.", dns::rcode::NOERROR, 10, 11 * kSecond, 0).send, 10);
  EXPECT_EQ(run(rl, client, "b.example.", dns::rcode::NOERROR, 10, 11 * kSecond, 0).send, 10);
}

TEST(RateLimit, NxdomainsOfOneNetworkCountTogether) {
  auth::RateLimiter rl({5, 0, 1024});
  const std::uint8_t client[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  int sent = 0;
  for (int i = 0; i < 50; ++i) {
    auto name = *dns::Name::from_text("random" + std::to_string(i) + ".example.");
    sent += rl.check(client, name.wire(), dns::rrtype::A, dns::rcode::NXDOMAIN, 0) == auth::RateLimiter::Verdict::send;
  }
  EXPECT_EQ(sent, 5);  // slip 0: the rest are dropped
}

}  // namespace
