// Zone transfer out: AXFR (RFC 5936), and IXFR answered with the whole zone (RFC 1995 §4, the
// fallback when no journal can answer), with an address allow-list.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "auth/query.hpp"
#include "auth/zone_set.hpp"
#include "core/result.hpp"
#include "dns/message_builder.hpp"
#include "net/prefix.hpp"

namespace mxkit::auth {

// Who may transfer: net::AddressPrefix ("192.0.2.0/24", "::1").
using AddressPrefix = net::AddressPrefix;

// The messages of a transfer of `zone`, for the query `q` (an AXFR or IXFR for its origin),
// each at most `max_message` octets: the SOA, every other record, the SOA again (RFC 5936 §2.2).
std::vector<std::vector<std::uint8_t>> transfer_messages(const Zone& zone, const Query& q,
                                                         std::size_t max_message = 16384);

// Packs a transfer's records into as few messages of at most `max_message` octets as they fit,
// the question in the first only (RFC 5936 §2.2: an RRset may span messages). The room is
// checked before each record, so no message is ever marked truncated; a record too big for an
// empty message of that size goes alone into one of up to 65535 octets (the TCP limit).
class TransferPacker {
 public:
  TransferPacker(const Query& q, std::size_t max_message);
  // False only for a record that cannot fit any DNS message (it is left out).
  bool add(dns::WireName owner, std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata);
  std::vector<std::vector<std::uint8_t>> finish();

 private:
  const Query& q_;
  std::size_t max_message_;
  std::vector<std::uint8_t> buffer_;
  std::optional<dns::MessageBuilder> out_;
  std::vector<std::vector<std::uint8_t>> messages_;
  void start(std::size_t limit);
  void flush();
};

// A one-message refusal or error for a transfer query (REFUSED, NOTAUTH, FORMERR...).
std::vector<std::uint8_t> transfer_error(const Query& q, std::uint16_t rcode);

}  // namespace mxkit::auth
