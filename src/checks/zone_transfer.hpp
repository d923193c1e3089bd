// The zone content of `mxkit check` without --zone: an AXFR (RFC 5936) of the zone from each
// authoritative server in turn, read by the shared transfer reader (dns/zone/transfer.hpp),
// until one allows it. A refusal is a fact, not an error: most servers refuse strangers.
#pragma once

#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "checks/ns_probe.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::checks {

struct ZoneTransferFacts {
  std::string server;                 // the address that allowed the transfer; empty: none did
  std::vector<std::string> attempts;  // each refusal or failure: "127.0.0.4: REFUSED"
  std::vector<dns::Record> records;   // the zone, its SOA first (when `server` is set)
};

// Tries `addresses` (the authoritative servers' addresses) in order, over TCP to port 53 or
// options.dns_port, each message given options.timeout.
asio::awaitable<ZoneTransferFacts> transfer_zone(dns::Name zone, std::vector<std::string> addresses,
                                                 ProbeOptions options);

}  // namespace mxkit::checks
