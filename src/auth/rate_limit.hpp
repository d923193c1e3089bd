// Response rate limiting for UDP (the idea of BIND's RRL): a client network that receives the
// same answer too often — as a victim of a spoofed reflection attack does — gets the excess
// dropped, and every `slip`-th of those as an empty truncated reply, so that a real client
// behind the same network retries over TCP, where spoofing does not work.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dns/name.hpp"

namespace mxkit::auth {

struct RateLimitOptions {
  std::uint32_t responses_per_second = 0;  // 0: off (the default)
  std::uint32_t slip = 2;                  // every slip-th limited reply goes out truncated; 0: none
  std::uint32_t table_size = 1 << 16;      // buckets; colliding keys share one (errs on limiting)
};

class RateLimiter {
 public:
  enum class Verdict { send, drop, slip };

  explicit RateLimiter(RateLimitOptions options);

  // `client` is the 4- or 16-octet address (IPv4 counted per /24, IPv6 per /56). The answer is
  // identified by its rcode, type and name; NXDOMAIN answers of one client network count
  // together whatever the name, since random names are how such floods vary. `now_ns` is any
  // monotonic clock.
  Verdict check(std::span<const std::uint8_t> client, dns::WireName qname, std::uint16_t qtype,
                std::uint16_t rcode, std::uint64_t now_ns);

  bool enabled() const { return options_.responses_per_second > 0; }

 private:
  struct Bucket {
    std::uint64_t key = 0;
    std::uint64_t updated_ns = 0;
    double tokens = 0;
    std::uint32_t limited = 0;  // limited replies so far, for the slip count
  };
  RateLimitOptions options_;
  std::vector<Bucket> buckets_;
};

}  // namespace mxkit::auth
