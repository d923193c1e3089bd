// AXFR out (RFC 5936): the SOA first and last, every RRset of the zone in between, packed into
// as few messages as fit, the question only in the first (§2.2.1 lets later ones omit it).
#include "auth/xfr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "dns/message.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::auth {

namespace {

dns::Header response_header(const Query& q) {
  dns::Header h;
  h.id = q.id;
  h.qr = true;
  h.opcode = q.opcode;
  h.aa = true;
  return h;
}

}  // namespace

std::vector<std::uint8_t> transfer_error(const Query& q, std::uint16_t rcode) {
  std::vector<std::uint8_t> buffer(512);
  dns::Header h = response_header(q);
  h.aa = false;
  dns::MessageBuilder out(buffer, h);
  if (q.qname_length) out.add_question(q.qname(), q.qtype, q.qclass);
  out.header().rcode = rcode;
  auto m = out.finish();
  return {m.begin(), m.end()};
}

TransferPacker::TransferPacker(const Query& q, std::size_t max_message)
    : q_(q), max_message_(std::min(max_message, dns::kMaxMessageSize)), buffer_(dns::kMaxMessageSize) {}

void TransferPacker::start(std::size_t limit) {
  out_.emplace(std::span(buffer_).first(limit), response_header(q_));
  if (messages_.empty()) out_->add_question(q_.qname(), q_.qtype, q_.qclass);
}

void TransferPacker::flush() {
  auto m = out_->finish();
  messages_.emplace_back(m.begin(), m.end());
  out_.reset();
}

bool TransferPacker::add(dns::WireName owner, std::uint16_t type, std::uint32_t ttl,
                         std::span<const std::uint8_t> rdata) {
  const std::size_t need = owner.size() + 10 + rdata.size();  // uncompressed: an upper bound
  if (!out_) start(max_message_);
  if (out_->room() < need) {
    if (out_->count(dns::Section::Answer) > 0) flush();
    else out_.reset();  // nothing but the question yet: start over with the whole TCP limit
    const bool alone = need + dns::kHeaderSize + q_.qname_length + 4 > max_message_;
    start(alone ? dns::kMaxMessageSize : max_message_);
    if (out_->room() < need) return false;
    if (alone) {  // the big record, and nothing after it, in a message of its own
      const bool added = out_->add_record(dns::Section::Answer, owner, type, dns::rrclass::IN, ttl, rdata);
      flush();
      return added;
    }
  }
  return out_->add_record(dns::Section::Answer, owner, type, dns::rrclass::IN, ttl, rdata);
}

std::vector<std::vector<std::uint8_t>> TransferPacker::finish() {
  if (out_) flush();
  return std::move(messages_);
}

std::vector<std::vector<std::uint8_t>> transfer_messages(const Zone& zone, const Query& q,
                                                         std::size_t max_message) {
  TransferPacker packer(q, max_message);
  const Zone::RRset* soa = zone.soa();
  const dns::WireName apex = zone.origin().wire();
  packer.add(apex, dns::rrtype::SOA, soa->ttl, zone.rdata(*soa, 0));
  for (std::uint32_t n = 0; n < zone.node_count(); ++n) {
    const Zone::Node& node = zone.node(n);
    const dns::WireName name = zone.node_name(node);
    for (const auto& set : zone.rrsets(node)) {
      if (n == zone.apex() && set.type == dns::rrtype::SOA) continue;
      for (std::size_t i = 0; i < set.count; ++i) packer.add(name, set.type, set.ttl, zone.rdata(set, i));
    }
  }
  packer.add(apex, dns::rrtype::SOA, soa->ttl, zone.rdata(*soa, 0));
  return packer.finish();
}

}  // namespace mxkit::auth
