// IXFR out (RFC 1995): the difference between two versions of a zone, serial arithmetic
// (RFC 1982), and the condensed IXFR response built from a chain of differences.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "auth/query.hpp"
#include "auth/zone.hpp"
#include "dns/message.hpp"
#include "dns/zone/transfer.hpp"

namespace mxkit::auth {

// Serial arithmetic, SOA serials and ZoneDiff live with the transfer reader in src/dns/zone.
using dns::zone::serial_newer;
using dns::zone::soa_rdata_serial;
using dns::zone::ZoneDiff;

std::uint32_t zone_serial(const Zone& zone);  // the zone has an SOA: Zone::build checks it
dns::Record zone_soa_record(const Zone& zone);

// The difference from `before` to `after`, comparing whole records (owner, type, TTL, rdata):
// a record whose TTL changed is removed and added again. Walks both zones once, each node
// looked up in the other by its name; only the differences are copied.
ZoneDiff diff_zones(const Zone& before, const Zone& after);

// The response to an IXFR query `q` for `zone` whose client holds `client_serial`, from the
// journal's changes `chain` (consecutive, from the client's serial to the zone's), each
// message at most `max_message` octets (RFC 1995 §4):
//  - the client is up to date (or newer): the current SOA alone;
//  - `chain` bridges the gap: SOA new, then per change SOA old, removals, SOA next, additions,
//    and SOA new last;
//  - otherwise (no chain): the whole zone, as AXFR would send it.
// Over UDP (`udp`), a response that does not fit in one message becomes the current SOA alone,
// so the client asks again over TCP (RFC 1995 §2).
enum class IxfrForm { single_soa, incremental, full };
struct IxfrResponse {
  IxfrForm form = IxfrForm::single_soa;
  std::vector<std::vector<std::uint8_t>> messages;
};
IxfrResponse ixfr_response(const Zone& zone, const Query& q, std::uint32_t client_serial,
                           std::span<const ZoneDiff* const> chain, bool udp,
                           std::size_t max_message = 16384);

// The serial of the SOA an IXFR query carries in its authority section (RFC 1995 §3), or an
// error saying what is missing.
core::Result<std::uint32_t> ixfr_query_serial(std::span<const std::uint8_t> wire);

}  // namespace mxkit::auth
