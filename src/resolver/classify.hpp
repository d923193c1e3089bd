// What a reply means for the resolution that asked it (RFC 1034 §5.3.3 step 4, RFC 2308 §2):
// an answer, a CNAME to follow, a referral, a negative answer, or a server not to believe.
// Pure functions over a parsed reply: no sockets, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::resolver {

enum class ReplyKind : std::uint8_t {
  Answer,    // the RRset of qtype, at qname or at the end of a CNAME chain in this reply
  Cname,     // a CNAME chain whose end this reply does not answer: ask again for `target`
  Referral,  // a delegation closer to qname: ask the servers of `cut`
  NxDomain,  // qname (or the end of the chain) does not exist
  NoData,    // it exists, without records of qtype
  Lame,      // the server is not an authority we can use (why says how); try another
  Failure,   // SERVFAIL or another error rcode: try another server
};
std::string_view reply_kind_name(ReplyKind kind);

struct Classified {
  ReplyKind kind = ReplyKind::Failure;
  std::vector<dns::Record> cnames;   // the chain from qname found in this reply, in order
  dns::Name target;                  // where the chain ends (qname when there is none)
  std::vector<dns::Record> records;  // Answer: the RRset of qtype at target
  dns::Name cut;                     // Referral: the delegated zone
  std::vector<dns::Record> ns;       // Referral: its NS RRset
  std::vector<dns::Record> glue;     // Referral: A/AAAA of the NS names within the bailiwick
  std::vector<dns::Record> soa;      // NxDomain/NoData: the SOA of the authority section, if any
  std::uint32_t negative_ttl = 0;    // NxDomain/NoData: RFC 2308 §5, not yet capped
  std::string why;                   // Lame/Failure: a phrase for the trace and the detail
};

// How far the reply is trusted. Iterative: the server was asked as an authority for `zone`;
// data outside that zone is ignored (RFC 2181 §5.4.1) and an answer needs the AA bit. Stub: a
// recursive server, trusted for any name, answering without AA.
struct ClassifyContext {
  dns::Name zone;  // the root in stub mode
  bool iterative = true;
};

// RFC 1034 §5.3.3 step 4 for one reply to qname/qtype.
Classified classify_reply(const dns::Message& reply, const dns::Name& qname, std::uint16_t qtype,
                          const ClassifyContext& context);

// RFC 2308 §5: a negative answer lives for the smaller of the SOA record's TTL and its MINIMUM
// field; 0 when the rdata is not an SOA's.
std::uint32_t negative_ttl(const dns::Record& soa);

// The records of `section` with this owner and type (RFC 2181 §5: one RRset), compared
// case-insensitively.
std::vector<dns::Record> rrset_of(const std::vector<dns::Record>& section, const dns::Name& owner,
                                  std::uint16_t type);

// The name an NS/CNAME record points at (its rdata is one uncompressed name).
dns::Name target_name(const dns::Record& record);

// The smallest TTL among records, `start` when there are none.
std::uint32_t min_ttl(const std::vector<dns::Record>& records, std::uint32_t start);

}  // namespace mxkit::resolver
