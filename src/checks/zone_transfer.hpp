// The zone content of `mxkit check` without --zone: an AXFR (RFC 5936) of the zone from each
// authoritative server in turn, read by the shared transfer reader (dns/zone/transfer.hpp),
// until one allows it. A refusal is a fact, not an error: most servers refuse strangers. With a
// TSIG key (RFC 8945) the request is signed and every message of the answer verified, so a
// primary that gives the zone only to its secondaries' key gives it to the check too.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "checks/ns_probe.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"
#include "dns/tsig.hpp"

namespace mxkit::checks {

struct ZoneTransferFacts {
  std::string server;                 // the address that allowed the transfer; empty: none did
  std::vector<std::string> attempts;  // each refusal or failure: "127.0.0.4: REFUSED"
  std::vector<dns::Record> records;   // the zone, its SOA first (when `server` is set)
};

// Tries `addresses` (the authoritative servers' addresses) in order, over TCP to port 53 or
// options.dns_port, each message given options.timeout; signed with `key` when given.
asio::awaitable<ZoneTransferFacts> transfer_zone(dns::Name zone, std::vector<std::string> addresses,
                                                 ProbeOptions options,
                                                 std::optional<dns::TsigKey> key = std::nullopt);

}  // namespace mxkit::checks
