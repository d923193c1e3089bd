// NOTIFY (RFC 1996): tell secondaries that a zone changed, so they ask for it at once instead
// of waiting for the SOA refresh timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dns/name.hpp"
#include "dns/tsig.hpp"

namespace mxkit::auth {

struct NotifyTarget {
  std::string host;  // an IP literal
  std::uint16_t port = 53;
};

// The NOTIFY message for `zone`, carrying its SOA in the answer section (RFC 1996 §3.7).
std::vector<std::uint8_t> notify_message(std::uint16_t id, dns::WireName zone,
                                         std::span<const std::uint8_t> soa_rdata, std::uint32_t soa_ttl);

// The reply to a NOTIFY we received (RFC 1996 §4.7): the question echoed, AA set when we accept
// it (NOERROR); REFUSED for a sender that is not the zone's primary, NOTAUTH for a zone we do
// not serve, FORMERR for a malformed one.
std::vector<std::uint8_t> notify_response(std::uint16_t id, dns::WireName zone, std::uint16_t qtype,
                                          std::uint16_t qclass, std::uint16_t rcode);

// Sends a NOTIFY over UDP and waits for the matching reply, retrying (RFC 1996 §3.6) up to
// `attempts` times, `timeout` each. Blocking: call it off the serving threads. With `key` the
// NOTIFY is signed (RFC 8945) and the reply must be signed with the same key.
core::Result<void> send_notify(const NotifyTarget& target, dns::WireName zone,
                               std::span<const std::uint8_t> soa_rdata, std::uint32_t soa_ttl,
                               int attempts = 5, std::chrono::milliseconds timeout = std::chrono::seconds(1),
                               const dns::TsigKey* key = nullptr);

}  // namespace mxkit::auth
