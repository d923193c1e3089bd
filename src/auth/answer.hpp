// The authoritative answer function: query octets in, response octets out, no sockets.
// It implements the algorithm of RFC 1034 §4.3.2 over the zones of a ZoneSet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "auth/zone_set.hpp"

namespace mxkit::auth {

struct AnswerOptions {
  // The EDNS payload size we advertise, and the most we send over UDP whatever the client says
  // (1232: the 2020 DNS flag day value, which avoids IP fragmentation).
  std::uint16_t max_udp_payload = 1232;
  // Rotate the order of A/AAAA records between answers: the load spreading by "multihomed"
  // hosts. Off by default: most operators expect the zone's order.
  bool rotate_addresses = false;
};

struct AnswerResult {
  std::size_t size = 0;  // 0: send nothing
  std::uint16_t rcode = 0;
  bool truncated = false;
  bool authoritative = false;
};

// Answers `query` into `response` (whose size is the limit over TCP; over UDP the limit is
// the client's EDNS payload size, 512 without EDNS, capped at options.max_udp_payload).
// `rotation` is any counter the caller advances between queries.
AnswerResult answer_query(const ZoneSet& zones, std::span<const std::uint8_t> query,
                          std::span<std::uint8_t> response, bool over_tcp,
                          const AnswerOptions& options, std::uint32_t rotation = 0);

}  // namespace mxkit::auth
