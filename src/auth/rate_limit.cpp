// Token buckets in a fixed table: refilled at the configured rate, one token per response.
#include "auth/rate_limit.hpp"

#include <algorithm>

#include "dns/message.hpp"

namespace mxkit::auth {

namespace {
constexpr std::uint8_t lower(std::uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xbf58476d1ce4e5b9ull;
}
}  // namespace

RateLimiter::RateLimiter(RateLimitOptions options) : options_(options) {
  if (enabled()) buckets_.resize(std::max<std::uint32_t>(options_.table_size, 1));
}

RateLimiter::Verdict RateLimiter::check(std::span<const std::uint8_t> client, dns::WireName qname,
                                        std::uint16_t qtype, std::uint16_t rcode, std::uint64_t now_ns) {
  if (!enabled()) return Verdict::send;
  // The client's network: /24 for IPv4, /56 for IPv6.
  std::uint64_t key = mix(client.size(), rcode);
  const std::size_t network = client.size() == 4 ? 3 : 7;
  for (std::size_t i = 0; i < network && i < client.size(); ++i) key = mix(key, client[i]);
  if (rcode != dns::rcode::NXDOMAIN) {
    key = mix(key, qtype);
    for (auto c : qname) key = mix(key, lower(c));
  }
  key ^= key >> 31;  // spread the high bits into the low ones the table index uses
  key *= 0x94d049bb133111ebull;
  key ^= key >> 29;
  Bucket& b = buckets_[key % buckets_.size()];
  const double rate = options_.responses_per_second;
  if (b.key != key) {
    b = Bucket{key, now_ns, rate, 0};  // a new answer: a full second's allowance
  } else {
    const double elapsed = static_cast<double>(now_ns - b.updated_ns) / 1e9;
    b.tokens = std::min(rate, b.tokens + elapsed * rate);
    b.updated_ns = now_ns;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return Verdict::send;
  }
  ++b.limited;
  if (options_.slip > 0 && b.limited % options_.slip == 0) return Verdict::slip;
  return Verdict::drop;
}

}  // namespace mxkit::auth
