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

core::Result<AddressPrefix> AddressPrefix::parse(std::string_view text) {
  AddressPrefix p;
  auto slash = text.find('/');
  std::string address(text.substr(0, slash));
  if (inet_pton(AF_INET, address.c_str(), p.bytes.data()) == 1) {
    p.v6 = false;
    p.length = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), p.bytes.data()) == 1) {
    p.v6 = true;
    p.length = 128;
  } else {
    return core::fail(fmt::format("\"{}\" is not an IP address", address));
  }
  if (slash != std::string_view::npos) {
    auto bits = text.substr(slash + 1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (ec != std::errc() || ptr != bits.data() + bits.size() || value > p.length)
      return core::fail(fmt::format("bad prefix length \"{}\"", bits));
    p.length = value;
  }
  return p;
}

bool AddressPrefix::contains(std::span<const std::uint8_t> address) const {
  if ((address.size() == 16) != v6) return false;
  unsigned full = length / 8, rest = length % 8;
  for (unsigned i = 0; i < full; ++i)
    if (address[i] != bytes[i]) return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (address[full] & mask) == (bytes[full] & mask);
}

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

std::vector<std::vector<std::uint8_t>> transfer_messages(const Zone& zone, const Query& q,
                                                         std::size_t max_message) {
  std::vector<std::vector<std::uint8_t>> messages;
  std::vector<std::uint8_t> buffer(max_message);
  std::optional<dns::MessageBuilder> out;
  auto start = [&] {
    out.emplace(buffer, response_header(q));
    if (messages.empty()) out->add_question(q.qname(), q.qtype, q.qclass);
  };
  auto flush = [&] {
    auto m = out->finish();
    messages.emplace_back(m.begin(), m.end());
    out.reset();
  };
  // One record at a time: a message holds as many as fit; an RRset may span messages (AXFR
  // needs no RRset to be whole in one message, RFC 5936 §2.2). The room is checked before
  // adding, with the record's uncompressed size: a failed add would set TC on the message, and
  // a transfer message must not carry it.
  auto add = [&](dns::WireName owner, std::uint16_t type, std::uint32_t ttl,
                 std::span<const std::uint8_t> rdata) {
    if (!out) start();
    if (out->count(dns::Section::Answer) > 0 && out->room() < owner.size() + 10 + rdata.size()) {
      flush();
      start();
    }
    out->add_record(dns::Section::Answer, owner, type, dns::rrclass::IN, ttl, rdata);
  };
  const Zone::RRset* soa = zone.soa();
  const dns::WireName apex = zone.origin().wire();
  add(apex, dns::rrtype::SOA, soa->ttl, zone.rdata(*soa, 0));
  for (std::uint32_t n = 0; n < zone.node_count(); ++n) {
    const Zone::Node& node = zone.node(n);
    const dns::WireName name = zone.node_name(node);
    for (const auto& set : zone.rrsets(node)) {
      if (n == zone.apex() && set.type == dns::rrtype::SOA) continue;
      for (std::size_t i = 0; i < set.count; ++i) add(name, set.type, set.ttl, zone.rdata(set, i));
    }
  }
  add(apex, dns::rrtype::SOA, soa->ttl, zone.rdata(*soa, 0));
  flush();
  return messages;
}

}  // namespace mxkit::auth
