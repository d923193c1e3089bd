// The query a resolver sends and the check a reply must pass before it is believed
// (RFC 5452 §4: same ID, same question, from the address asked — the socket checks that one).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::resolver {

// A QUERY for qname/qtype in class IN with the RD bit as given, and an EDNS OPT record offering
// `edns_udp_size` (RFC 6891 §6.2.5) unless it is 0.
dns::Message make_query(const dns::Name& qname, std::uint16_t qtype, bool recursion_desired,
                        std::uint16_t edns_udp_size);

enum class ReplyVerdict : std::uint8_t {
  Accept,     // the reply to this query
  Ignore,     // not ours (other ID, not a response, other question): keep waiting
  Malformed,  // ours by its ID, but it does not parse: `why` says where
};

struct ReplyCheck {
  ReplyVerdict verdict = ReplyVerdict::Ignore;
  std::string why;
  std::optional<dns::Message> reply;  // when accepted
};

// Checks `wire` against `query` (with the ID as sent): RFC 5452 §9.1's ID and question match,
// the question compared case-insensitively (RFC 4343). A reply to a query it could not read
// (FORMERR, NOTIMP, REFUSED, SERVFAIL) may come without a question and is accepted so.
ReplyCheck check_reply(const dns::Message& query, std::span<const std::uint8_t> wire);

}  // namespace mxkit::resolver
