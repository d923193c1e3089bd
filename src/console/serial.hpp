// The SOA serial a save moves a zone to (RFC 1982 serial arithmetic, RFC 1912 §2.2's date form).
#pragma once

#include <chrono>
#include <cstdint>

namespace mxkit::console {

// The serial after `current` on `today`: the date form YYYYMMDDnn when `current` is 0 or in
// that form already (today's first, or the next of today's when today has begun), otherwise
// `current` + 1. Never backwards in RFC 1982 terms: where the date form would not be greater
// than `current` (100 saves in a day, a serial from a later date) it is `current` + 1 too. The
// increment wraps modulo 2^32 and skips 0 (secondaries and tools read 0 as "no serial").
std::uint32_t next_serial(std::uint32_t current, std::chrono::year_month_day today);

// RFC 1982 §3.2: `a` < `b` in serial number arithmetic (32 bits).
bool serial_less(std::uint32_t a, std::uint32_t b);

// Today in UTC.
std::chrono::year_month_day utc_today();

}  // namespace mxkit::console
