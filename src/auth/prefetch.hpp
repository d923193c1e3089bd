// Overlapping the memory latency of a batch of queries: before a server answers the queries it
// took in one recvmmsg, it asks for the zone data each will read, so the cache misses of all of
// them are in flight at once rather than one after the other.
#pragma once

#include <cstdint>
#include <span>

#include "auth/zone_set.hpp"

namespace mxkit::auth {

// What the later stages need, worked out once per query by the first.
struct PrefetchTicket {
  const Zone* zone = nullptr;
  std::uint64_t hash = 0;
};

// Starts loading the index slot of the query's name. Never reads past `query`; does nothing for
// anything but a plain question with an uncompressed name. Only a hint: answers are the same
// with or without it.
PrefetchTicket prefetch_answer(const ZoneSet& zones, std::span<const std::uint8_t> query);
// Stage 1 loads the node and its name, stage 2 its first RRset, stage 3 that RRset's rdata
// references. Each stage is meant to run over the whole batch before the next.
void prefetch_answer(const PrefetchTicket& ticket, int stage);

}  // namespace mxkit::auth
