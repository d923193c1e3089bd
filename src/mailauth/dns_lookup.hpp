// The mail-authentication layer's own view of a DNS lookup, so SPF evaluation depends on no
// resolver: unit tests answer from a table of records, `mxkit spf` and `mxkit check` from the
// resolver (resolver_lookup.hpp). Asynchronous, since the evaluator runs beside other lookups.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "core/result.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::mailauth {

// How a lookup ended. Timeouts and SERVFAIL are TempFail: RFC 7208 §2.6.6 and RFC 7489 §6.6.3
// treat every "try again later" DNS error the same way.
enum class DnsStatus : std::uint8_t {
  Answer,    // records of the type, possibly at the end of a CNAME chain
  NoData,    // the name exists, no records of the type (RFC 2308 §2.2)
  NxDomain,  // the name does not exist (RFC 2308 §2.1)
  TempFail,  // no usable answer now
};
std::string_view dns_status_name(DnsStatus status);  // "answer", "nodata", "nxdomain", "tempfail"

struct DnsAnswer {
  DnsStatus status = DnsStatus::TempFail;
  std::vector<dns::Record> records;  // the RRset of the type asked (status Answer)
  std::string detail;                // why, for TempFail; who answered, when known
};

// One lookup at a time per call; an implementation may run several calls concurrently.
// Parameters by value: a coroutine must not keep references to its caller's temporaries.
class DnsLookup {
 public:
  virtual ~DnsLookup() = default;
  virtual asio::awaitable<DnsAnswer> lookup(dns::Name name, std::uint16_t type) = 0;
};

// A name from dotted text taken literally: no escapes, any octet but '.' inside a label (an SPF
// domain after macro expansion may hold '%', ':' or spaces, RFC 7208 §7.3). A trailing dot is
// allowed. Errors: empty label, label over 63 octets, name over 255 octets.
core::Result<dns::Name> name_from_dotted(std::string_view text);

// The character-strings of one TXT RDATA joined without separators (RFC 7208 §3.3, RFC 7489
// §6.6.3, RFC 6376 §3.6.2.2 all concatenate the strings); nullopt when the RDATA is malformed.
core::Result<std::string> txt_rdata_text(const std::vector<std::uint8_t>& rdata);

}  // namespace mxkit::mailauth
