// The part of an incoming query the answer function needs, read without allocating.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "dns/name.hpp"

namespace mxkit::auth {

struct Query {
  std::uint16_t id = 0;
  std::uint8_t opcode = 0;
  bool rd = false;
  bool cd = false;
  std::array<std::uint8_t, dns::kMaxNameLength> qname_buffer{};
  std::size_t qname_length = 0;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool has_edns = false;
  std::uint16_t edns_payload = 0;  // the client's UDP payload size
  std::uint8_t edns_version = 0;
  bool edns_do = false;

  dns::WireName qname() const { return {qname_buffer.data(), qname_length}; }
};

enum class QueryParse {
  ok,
  drop,     // not worth a reply: shorter than a header, or itself a response (QR set)
  formerr,  // malformed: reply FORMERR with what the header gave (RFC 1035 §4.1.1)
};

// Reads the header, the one question and an OPT record if there is one (RFC 6891 §6.1.1).
// `why` says what was wrong for FORMERR (for the log).
QueryParse parse_query(std::span<const std::uint8_t> wire, Query& query, std::string& why);

}  // namespace mxkit::auth
