// Zone transfer out: AXFR (RFC 5936), and IXFR answered with the whole zone (RFC 1995 §4, the
// fallback when no journal can answer), with an address allow-list.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "auth/query.hpp"
#include "auth/zone_set.hpp"
#include "core/result.hpp"

namespace mxkit::auth {

// An address prefix, "192.0.2.0/24", "2001:db8::/32", or one address.
struct AddressPrefix {
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;
  unsigned length = 0;  // bits

  static core::Result<AddressPrefix> parse(std::string_view text);
  // `address` is 4 or 16 octets.
  bool contains(std::span<const std::uint8_t> address) const;
};

// The messages of a transfer of `zone`, for the query `q` (an AXFR or IXFR for its origin),
// each at most `max_message` octets: the SOA, every other record, the SOA again (RFC 5936 §2.2).
std::vector<std::vector<std::uint8_t>> transfer_messages(const Zone& zone, const Query& q,
                                                         std::size_t max_message = 16384);

// A one-message refusal or error for a transfer query (REFUSED, NOTAUTH, FORMERR...).
std::vector<std::uint8_t> transfer_error(const Query& q, std::uint16_t rcode);

}  // namespace mxkit::auth
