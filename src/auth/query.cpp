// Query reading for the authoritative server.
#include "auth/query.hpp"

#include <string>

#include "dns/message.hpp"
#include "dns/rrtype.hpp"
#include "dns/wire_reader.hpp"

namespace mxkit::auth {

namespace {

// RFC 6891 §6.1.2: the OPT rdata is a run of {code, length, data} options that fills it
// exactly; an option whose length runs past the rdata is a malformed OPT, answered with
// FORMERR (§7). The options themselves are not needed for the answer, only their framing.
bool edns_options_fit(std::span<const std::uint8_t> rdata, std::string& why) {
  std::size_t at = 0;
  while (at < rdata.size()) {
    if (rdata.size() - at < 4) {
      why = "OPT option header runs past the end of the rdata (RFC 6891 §6.1.2)";
      return false;
    }
    const auto code = static_cast<unsigned>(rdata[at] << 8 | rdata[at + 1]);
    const auto length = static_cast<std::size_t>(rdata[at + 2] << 8 | rdata[at + 3]);
    at += 4;
    if (length > rdata.size() - at) {
      why = "OPT option " + std::to_string(code) + " runs past the end of the rdata (RFC 6891 §6.1.2)";
      return false;
    }
    at += length;
  }
  return true;
}

}  // namespace

QueryParse parse_query(std::span<const std::uint8_t> wire, Query& q, std::string& why) {
  if (wire.size() < dns::kHeaderSize) return QueryParse::drop;
  q.id = static_cast<std::uint16_t>(wire[0] << 8 | wire[1]);
  if (wire[2] & 0x80) return QueryParse::drop;  // a response: never answer one (loops)
  q.opcode = (wire[2] >> 3) & 0x0F;
  q.rd = wire[2] & 0x01;
  q.cd = wire[3] & 0x10;
  q.has_edns = false;
  q.qname_length = 0;
  const auto count = [&](std::size_t at) { return static_cast<std::size_t>(wire[at] << 8 | wire[at + 1]); };
  const std::size_t qdcount = count(4), ancount = count(6), nscount = count(8), arcount = count(10);
  if (qdcount != 1) {
    why = "a query must hold exactly one question";
    return QueryParse::formerr;
  }
  dns::WireReader in(wire, dns::kHeaderSize);
  q.qname_length = in.name(q.qname_buffer.data());
  q.qtype = in.u16("question type");
  q.qclass = in.u16("question class");
  if (!in.ok()) {
    why = "question: " + in.error();
    q.qname_length = 0;
    return QueryParse::formerr;
  }
  // Skip answer and authority records (a NOTIFY may carry an SOA), then find the OPT record.
  std::uint8_t scratch[dns::kMaxNameLength];
  for (std::size_t i = 0; i < ancount + nscount + arcount; ++i) {
    std::size_t owner_length = in.name(scratch);
    std::uint16_t type = in.u16("record type");
    std::uint16_t cls = in.u16("record class");
    std::uint32_t ttl = in.u32("record TTL");
    std::uint16_t rdlength = in.u16("record length");
    const std::size_t rdata_at = in.position();
    in.skip(rdlength, "record data");
    if (!in.ok()) {
      why = in.error();
      return QueryParse::formerr;
    }
    if (type != dns::rrtype::OPT) continue;
    // RFC 6891 §6.1.1: only in the additional section, only once, owned by the root.
    if (i < ancount + nscount || q.has_edns || owner_length != 1) {
      why = "misplaced or repeated OPT record";
      return QueryParse::formerr;
    }
    if (!edns_options_fit(wire.subspan(rdata_at, rdlength), why)) return QueryParse::formerr;
    q.has_edns = true;
    q.edns_payload = cls;
    q.edns_version = static_cast<std::uint8_t>(ttl >> 16);
    q.edns_do = ttl & 0x8000;
  }
  if (in.remaining() != 0) {
    why = "octets after the last record";
    return QueryParse::formerr;
  }
  return QueryParse::ok;
}

}  // namespace mxkit::auth
