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

namespace mxkit::auth {

// RFC 1982 §3.2: true when serial `a` is newer than `b` (a > b in sequence space arithmetic).
// Two serials exactly 2^31 apart are not comparable: neither is newer.
constexpr bool serial_newer(std::uint32_t a, std::uint32_t b) {
  return a != b && ((a > b && a - b < 0x80000000u) || (a < b && b - a > 0x80000000u));
}

// The serial of an SOA rdata (its third field), or nothing when the rdata is malformed.
std::optional<std::uint32_t> soa_rdata_serial(std::span<const std::uint8_t> rdata);
std::uint32_t zone_serial(const Zone& zone);  // the zone has an SOA: Zone::build checks it
dns::Record zone_soa_record(const Zone& zone);

// One change of a zone: the records taken away and put in when going from `old_soa`'s
// version to `new_soa`'s (RFC 1995 §4's "difference sequence"). The SOAs are not in the lists.
struct ZoneDiff {
  dns::Record old_soa, new_soa;
  std::vector<dns::Record> removed, added;

  std::uint32_t from() const;
  std::uint32_t to() const;
  std::size_t record_count() const { return removed.size() + added.size() + 2; }
  std::size_t wire_size() const;  // about the octets it takes in a transfer or the journal
  friend bool operator==(const ZoneDiff&, const ZoneDiff&) = default;
};

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
