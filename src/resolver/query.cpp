// Building a query and matching its reply.
#include "resolver/query.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dns/rrtype.hpp"

namespace mxkit::resolver {

dns::Message make_query(const dns::Name& qname, std::uint16_t qtype, bool recursion_desired,
                        std::uint16_t edns_udp_size) {
  dns::Message query;
  query.header.rd = recursion_desired;
  query.question.push_back({qname, qtype, dns::rrclass::IN});
  if (edns_udp_size != 0) {
    dns::Edns edns;
    edns.udp_payload_size = std::max<std::uint16_t>(edns_udp_size, 512);
    query.edns = edns;
  }
  return query;
}

ReplyCheck check_reply(const dns::Message& query, std::span<const std::uint8_t> wire) {
  ReplyCheck out;
  if (wire.size() < dns::kHeaderSize) {
    out.why = "shorter than a DNS header";
    return out;
  }
  const auto id = static_cast<std::uint16_t>(wire[0] << 8 | wire[1]);
  if (id != query.header.id) {
    out.why = fmt::format("ID {} is not the query's {}", id, query.header.id);
    return out;
  }
  if ((wire[2] & 0x80) == 0) {
    out.why = "not a response (QR clear)";
    return out;
  }
  auto reply = dns::parse_message(wire);
  if (!reply) {
    out.verdict = ReplyVerdict::Malformed;
    out.why = fmt::format("malformed reply: {}", reply.error().message);
    return out;
  }
  const auto& q = query.question.front();
  if (reply->question.empty()) {
    const auto rc = reply->header.rcode;
    if (rc != dns::rcode::FORMERR && rc != dns::rcode::NOTIMP && rc != dns::rcode::REFUSED &&
        rc != dns::rcode::SERVFAIL) {
      out.why = "reply without a question";
      return out;
    }
  } else if (reply->question.size() != 1 || reply->question.front().type != q.type ||
             reply->question.front().cls != q.cls || !(reply->question.front().name == q.name)) {
    out.why = "reply to another question";
    return out;
  }
  if (reply->header.opcode != query.header.opcode) {
    out.why = "reply with another opcode";
    return out;
  }
  out.verdict = ReplyVerdict::Accept;
  out.reply = std::move(*reply);
  return out;
}

}  // namespace mxkit::resolver
