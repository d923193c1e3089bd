// The routing layer's own view of one DNS lookup: what it asks for and what came back, so the
// planner depends on no resolver (a driver converts resolver results into these).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::routing {

struct LookupRequest {
  dns::Name name;
  std::uint16_t type = 0;

  friend bool operator==(const LookupRequest&, const LookupRequest&) = default;
};

// How a lookup ended. Timeouts, SERVFAIL and resolver limits are all TempFail: for mail they
// mean the same thing, "try again later" (RFC 5321 §5.1, §4.5.4.1).
enum class LookupStatus : std::uint8_t {
  Answer,    // records of the type, possibly at the end of a CNAME chain
  NoData,    // the name exists, no records of the type (RFC 2308 §2.2)
  NxDomain,  // the name, or the end of its CNAME chain, does not exist (RFC 2308 §2.1)
  TempFail,  // no usable answer now
};
std::string_view lookup_status_name(
    LookupStatus status);  // "answer", "nodata", "nxdomain", "tempfail"

// One query behind a lookup, as fields for scripts (the same facts as a `path` line).
struct QueryHop {
  std::string server;  // "127.0.0.2:53"
  dns::Name name;      // the question's name and type
  std::uint16_t type = 0;
  std::string zone;    // the zone the server was asked as an authority for; "" in stub mode
  std::string result;  // "referral to test.", "answer", "nxdomain", "timeout", ...
  bool over_tcp = false;
  double ms = 0;  // time to the reply; 0 when none came
};

struct LookupResult {
  LookupStatus status = LookupStatus::TempFail;
  std::vector<dns::Record> cnames;   // the CNAME chain followed from the name asked, in order
  std::vector<dns::Record> records;  // the RRset of the type asked (status Answer)
  std::uint32_t ttl = 0;             // remaining TTL of the answer, or the negative TTL
  bool from_cache = false;           // answered without sending a query
  std::string source;                // who answered: "127.0.0.4:53", "cache"; empty if unknown
  std::size_t queries_sent = 0;      // queries this lookup sent
  std::string detail;  // why, for TempFail: "all 2 servers of example.test. timed out"
  // The queries behind the answer, one line each for display ("127.0.0.2:53 . → referral to
  // test."), as the driver's resolver reports them; empty when it keeps no trace.
  std::vector<std::string> path;
  std::vector<QueryHop> hops;  // the same queries, one QueryHop each
};

// The name at the end of a CNAME chain, or `asked` when the chain is empty or malformed.
dns::Name canonical_name(const dns::Name& asked, const std::vector<dns::Record>& cnames);

}  // namespace mxkit::routing
