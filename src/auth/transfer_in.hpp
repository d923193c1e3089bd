// Zone transfer in, without sockets: the SOA request a secondary sends, and applying what the
// transfer reader (dns/zone/transfer.hpp) read to a zone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "auth/ixfr.hpp"
#include "auth/zone.hpp"
#include "core/result.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"
#include "dns/zone/transfer.hpp"

namespace mxkit::auth {

// An SOA query for `zone` (to learn the primary's serial, RFC 1034 §4.3.5).
std::vector<std::uint8_t> soa_query(std::uint16_t id, dns::WireName zone);
// The serial in the answer to soa_query, or why there is none (wrong id, an error rcode...).
core::Result<std::uint32_t> read_soa_answer(std::span<const std::uint8_t> wire, std::uint16_t id,
                                            dns::WireName zone);

// The request and the reader live in src/dns/zone (shared with dig and check).
using dns::zone::transfer_query;
using dns::zone::TransferLimits;
using dns::zone::TransferReader;

// A zone built from whole records (a received AXFR); checks they make a zone (an SOA at the
// apex) and drops those outside it.
core::Result<std::shared_ptr<const Zone>> zone_from_records(
    const dns::Name& origin, const std::vector<dns::Record>& records);

// `zone` with `changes` applied in order (RFC 1995 §4). A removal of a record the zone (as
// changed so far) does not hold, or a first change that does not start at the zone's serial,
// is an error: the copies have diverged and a full transfer is needed.
core::Result<std::shared_ptr<const Zone>> apply_changes(const Zone& zone,
                                                        std::span<const ZoneDiff> changes);

// The zone in presentation format, one record a line (the secondary's copy on disk).
std::string zone_text(const Zone& zone);

}  // namespace mxkit::auth
