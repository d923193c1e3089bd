// Prefetching for a batch of queries (see prefetch.hpp).
#include "auth/prefetch.hpp"

#include "dns/message.hpp"

namespace mxkit::auth {

PrefetchTicket prefetch_answer(const ZoneSet& zones, std::span<const std::uint8_t> query) {
  // The question's name starts right after the header; a query's name is never compressed.
  std::size_t at = dns::kHeaderSize;
  while (at < query.size() && query[at] != 0) {
    if (query[at] > 63) return {};
    at += query[at] + 1u;
  }
  if (at >= query.size() || at - dns::kHeaderSize + 1 > dns::kMaxNameLength) return {};
  const dns::WireName name = query.subspan(dns::kHeaderSize, at - dns::kHeaderSize + 1);
  PrefetchTicket ticket{zones.find(name), hash_name(name)};
  if (ticket.zone) ticket.zone->prefetch(ticket.hash, 0);
  return ticket;
}

void prefetch_answer(const PrefetchTicket& ticket, int stage) {
  if (ticket.zone) ticket.zone->prefetch(ticket.hash, stage);
}

}  // namespace mxkit::auth
