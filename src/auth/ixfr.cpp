// Zone differences and the RFC 1995 §4 condensed IXFR response.
#include "auth/ixfr.hpp"

#include <algorithm>
#include <cstring>

#include "auth/xfr.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::auth {

std::uint32_t zone_serial(const Zone& zone) {
  return soa_rdata_serial(zone.rdata(*zone.soa(), 0)).value_or(0);
}

dns::Record zone_soa_record(const Zone& zone) {
  auto rdata = zone.rdata(*zone.soa(), 0);
  return dns::Record{zone.origin(),
                     dns::rrtype::SOA,
                     dns::rrclass::IN,
                     zone.soa()->ttl,
                     {rdata.begin(), rdata.end()}};
}

namespace {

bool same_rdata(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

// True when `set` (of `zone`) holds `rdata`. Zone::build sorts an RRset's rdatas by octets, but
// sets are small; a linear scan keeps this obviously right.
bool holds(const Zone& zone, const Zone::RRset& set, std::span<const std::uint8_t> rdata) {
  for (std::size_t i = 0; i < set.count; ++i)
    if (same_rdata(zone.rdata(set, i), rdata)) return true;
  return false;
}

// Appends to `out` the records of `from` that `other` does not hold with the same TTL.
void records_missing_in(const Zone& from, const Zone& other, std::vector<dns::Record>& out) {
  for (std::uint32_t n = 0; n < from.node_count(); ++n) {
    const Zone::Node& node = from.node(n);
    if (node.rrset_count == 0) continue;
    const dns::WireName name = from.node_name(node);
    const std::uint32_t o = other.find(name);
    for (const auto& set : from.rrsets(node)) {
      if (n == from.apex() && set.type == dns::rrtype::SOA) continue;
      const Zone::RRset* match =
          o == Zone::kNone ? nullptr : other.find_rrset(other.node(o), set.type);
      if (match && match->ttl != set.ttl) match = nullptr;  // a new TTL replaces the whole RRset
      for (std::size_t i = 0; i < set.count; ++i) {
        auto rdata = from.rdata(set, i);
        if (match && holds(other, *match, rdata)) continue;
        out.push_back(dns::Record{dns::Name::from_wire(name),
                                  set.type,
                                  dns::rrclass::IN,
                                  set.ttl,
                                  {rdata.begin(), rdata.end()}});
      }
    }
  }
}

// A record of a difference sequence into the transfer's messages.
void add(TransferPacker& packer, const dns::Record& r) {
  packer.add(r.owner.wire(), r.type, r.ttl, r.rdata);
}

}  // namespace

ZoneDiff diff_zones(const Zone& before, const Zone& after) {
  ZoneDiff diff;
  diff.old_soa = zone_soa_record(before);
  diff.new_soa = zone_soa_record(after);
  records_missing_in(before, after, diff.removed);
  records_missing_in(after, before, diff.added);
  return diff;
}

// RFC 1995 §4: the condensed response (one difference sequence per journal entry), the single
// SOA when the client is current, the whole zone when the journal cannot bridge the gap; and
// §2: over UDP, a response that does not fit is replaced by the single SOA.
IxfrResponse ixfr_response(const Zone& zone, const Query& q, std::uint32_t client_serial,
                           std::span<const ZoneDiff* const> chain, bool udp,
                           std::size_t max_message) {
  IxfrResponse response;
  const dns::Record current = zone_soa_record(zone);
  const std::uint32_t serial = zone_serial(zone);
  auto single_soa = [&] {
    TransferPacker packer(q, max_message);
    add(packer, current);
    response.form = IxfrForm::single_soa;
    response.messages = packer.finish();
  };
  if (client_serial == serial || serial_newer(client_serial, serial)) {
    single_soa();
    return response;
  }
  bool bridged =
      !chain.empty() && chain.front()->from() == client_serial && chain.back()->to() == serial;
  for (std::size_t i = 1; bridged && i < chain.size(); ++i)
    bridged = chain[i - 1]->to() == chain[i]->from();
  if (bridged) {
    TransferPacker packer(q, max_message);
    add(packer, current);
    for (const ZoneDiff* d : chain) {
      add(packer, d->old_soa);
      for (const auto& r : d->removed) add(packer, r);
      add(packer, d->new_soa);
      for (const auto& r : d->added) add(packer, r);
    }
    add(packer, current);
    response.form = IxfrForm::incremental;
    response.messages = packer.finish();
  } else {
    response.form = IxfrForm::full;
    response.messages = transfer_messages(zone, q, max_message);
  }
  // A record too big for max_message gets a message of its own past it: over UDP, too big too.
  if (udp && (response.messages.size() > 1 || response.messages.front().size() > max_message))
    single_soa();
  return response;
}

core::Result<std::uint32_t> ixfr_query_serial(std::span<const std::uint8_t> wire) {
  auto m = dns::parse_message(wire);
  if (!m) return core::fail(m.error().message);
  if (m->question.size() != 1) return core::fail("an IXFR query needs one question");
  for (const auto& r : m->authority)
    if (r.type == dns::rrtype::SOA && r.owner == m->question[0].name) {
      if (auto serial = soa_rdata_serial(r.rdata)) return *serial;
      return core::fail("the IXFR query's SOA is malformed");
    }
  return core::fail("an IXFR query needs the client's SOA in its authority section (RFC 1995 §3)");
}

}  // namespace mxkit::auth
