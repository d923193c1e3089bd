// The outcome of resolving one name and type: what the answer was, how it was reached.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::resolver {

// How a resolution ended. Ordinary DNS outcomes are values, not errors (ENGINEERING.md).
enum class Status : std::uint8_t {
  Answer,    // NOERROR with records of the asked type (possibly after a CNAME chain)
  NoData,    // NOERROR, the name exists, no records of the type (RFC 2308 §2.2)
  NxDomain,  // the name (or the end of its CNAME chain) does not exist (RFC 2308 §2.1)
  ServFail,  // every server failed, lame, or answered SERVFAIL/REFUSED; or a limit was hit
  Timeout,   // no server answered in time
};
std::string_view status_name(Status status);  // "answer", "nodata", "nxdomain", "servfail", "timeout"

// One query sent on the wire (or answered from the cache) while resolving: the "road signs"
// that `mxkit route` and `dig +trace` print.
struct TraceStep {
  dns::Name qname;
  std::uint16_t qtype = 0;
  std::string server;          // "127.0.0.2:53", or "cache"
  dns::Name server_name;       // iterative: the name server's name, as the NS record gave it
  std::string zone;            // the zone the server was asked as an authority for ("." for roots); "" in stub mode
  std::string outcome;         // "referral to test.", "answer", "nxdomain", "timeout", "servfail", "lame", ...
  std::uint16_t rcode = 0;
  bool over_tcp = false;
  std::chrono::microseconds elapsed{0};
  std::size_t reply_size = 0;  // octets of the reply, 0 when none arrived
  std::vector<dns::Record> records;  // the reply's answer section (or the referral's NS set)
};

struct Resolution {
  Status status = Status::ServFail;
  dns::Name qname;             // as asked
  std::uint16_t qtype = 0;
  std::vector<dns::Record> cnames;   // the CNAME chain followed from qname, in order
  std::vector<dns::Record> records;  // RRset of qtype at the end of the chain (Status::Answer)
  // TTL of the answer as it stands now (the smallest in the chain and RRset, counted down
  // while cached), or for NXDOMAIN/NODATA the RFC 2308 §5 negative TTL.
  std::uint32_t ttl = 0;
  bool from_cache = false;     // true when no query was sent to produce this
  std::uint16_t rcode = 0;     // the final server's rcode (SERVFAIL when none)
  std::string detail;          // why, for ServFail/Timeout: "all 2 servers of example.test. timed out"
  std::size_t queries_sent = 0;
  std::vector<TraceStep> trace;
};

}  // namespace mxkit::resolver
