// RFC 1034 §4.3.2, step by step: find the zone, walk to the name, then referral, answer,
// CNAME, wildcard (RFC 4592), NODATA or NXDOMAIN (RFC 2308), and additional-section addresses.
#include "auth/answer.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "auth/query.hpp"
#include "dns/message.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::auth {

namespace {

using dns::Section;
namespace rt = dns::rrtype;

constexpr int kMaxChain = 16;  // CNAMEs followed in one answer

std::uint32_t read32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// The name inside rdata that additional-section processing follows (RFC 1035 §3.3.9 MX,
// §3.3.11 NS; RFC 2782 SRV), or an empty span.
dns::WireName target_of(std::uint16_t type, std::span<const std::uint8_t> rdata) {
  std::size_t at;
  switch (type) {
    case rt::NS: at = 0; break;
    case rt::MX: at = 2; break;
    case rt::SRV: at = 6; break;
    default: return {};
  }
  if (rdata.size() <= at) return {};
  auto name = rdata.subspan(at);
  return name.first(dns::wire_name_length(name));
}

class Answerer {
 public:
  Answerer(const ZoneSet& zones, const Query& q, dns::MessageBuilder& out,
           const AnswerOptions& options, std::uint32_t rotation)
      : zones_(zones), q_(q), out_(out), options_(options), rotation_(rotation) {}

  // Fills the answer; returns whether we were authoritative (AA).
  bool run(const Zone& zone) {
    zone_ = &zone;
    dns::WireName name = q_.qname();
    std::array<std::uint32_t, kMaxChain + 1> visited{};  // CNAME nodes followed: a loop stops
    for (int hop = 0; hop <= kMaxChain; ++hop) {
      std::uint32_t n = zone_->find(name);
      std::uint32_t source = n;  // the node whose data answers (the wildcard when synthesising)
      if (n == Zone::kNone) {
        std::uint32_t encloser = closest_encloser(name);
        const Zone::Node& ce = zone_->node(encloser);
        if (ce.cut != Zone::kNone) return referral(ce.cut);
        if (!(ce.flags & Zone::kWildcardChild)) {
          // RFC 1034 §4.3.2 step 3c / RFC 2308 §2.1: the name does not exist. After a CNAME the
          // rcode still describes the last name (RFC 6604 §3).
          out_.header().rcode = dns::rcode::NXDOMAIN;
          negative();
          return true;
        }
        source = wildcard_of(encloser);
      } else {
        const Zone::Node& node = zone_->node(n);
        // A name at or below a zone cut is answered by a referral, except DS at the cut itself,
        // which belongs to the parent side (RFC 4035 §3.1.4.1).
        if (node.cut != Zone::kNone && !(node.cut == n && q_.qtype == rt::DS)) return referral(node.cut);
      }
      const Zone::Node& node = zone_->node(source);
      if (q_.qtype == rt::ANY) {
        // RFC 8482 §4.1: answer ANY with one RRset rather than everything at the name.
        auto sets = zone_->rrsets(node);
        if (sets.empty()) {
          negative();
          return true;
        }
        add_rrset(Section::Answer, name, sets.front());
        additional_for(sets.front());
        return true;
      }
      if (const auto* set = zone_->find_rrset(node, q_.qtype)) {
        add_rrset(Section::Answer, name, *set);
        additional_for(*set);
        return true;
      }
      const auto* cname = zone_->find_rrset(node, rt::CNAME);
      if (!cname) {
        negative();  // NODATA: the name exists, the type does not (RFC 2308 §2.2)
        return true;
      }
      for (int k = 0; k < hop; ++k)
        if (visited[static_cast<std::size_t>(k)] == source) return true;  // a loop: stop here
      visited[static_cast<std::size_t>(hop)] = source;
      add_rrset(Section::Answer, name, *cname);
      auto target = zone_->rdata(*cname, 0);
      name = target.first(dns::wire_name_length(target));
      // Follow the chain while it stays in this zone; beyond it the resolver goes on.
      if (!dns::is_subdomain(name, zone_->origin().wire())) return true;
    }
    return true;  // a CNAME loop or a very long chain: what we have is the answer
  }

 private:
  const ZoneSet& zones_;
  const Query& q_;
  dns::MessageBuilder& out_;
  const AnswerOptions& options_;
  std::uint32_t rotation_;
  const Zone* zone_ = nullptr;
  std::array<dns::WireName, 16> extra_names_{};  // names whose addresses are in "additional"
  std::size_t extra_count_ = 0;

  std::uint32_t closest_encloser(dns::WireName name) const {
    while (name.size() > zone_->origin().wire().size()) {
      name = name.subspan(name[0] + 1u);
      std::uint32_t n = zone_->find(name);
      if (n != Zone::kNone) return n;
    }
    return zone_->apex();
  }

  std::uint32_t wildcard_of(std::uint32_t encloser) const {
    dns::WireName parent = zone_->node_name(zone_->node(encloser));
    std::array<std::uint8_t, dns::kMaxNameLength> star{};
    star[0] = 1;
    star[1] = '*';
    std::copy(parent.begin(), parent.end(), star.begin() + 2);
    return zone_->find({star.data(), parent.size() + 2});
  }

  bool add_rrset(Section section, dns::WireName owner, const Zone::RRset& set,
                 const Zone* from = nullptr) {
    const Zone& z = from ? *from : *zone_;
    thread_local std::vector<std::span<const std::uint8_t>> rdatas_;  // reused: no allocation
    rdatas_.clear();
    std::size_t start = 0;
    if (options_.rotate_addresses && (set.type == rt::A || set.type == rt::AAAA) && set.count > 1)
      start = rotation_ % set.count;
    for (std::size_t i = 0; i < set.count; ++i) rdatas_.push_back(z.rdata(set, (start + i) % set.count));
    return out_.add_rrset(section, owner, set.type, dns::rrclass::IN, set.ttl, rdatas_);
  }

  // RFC 2308 §3: the SOA in the authority section, its TTL the lesser of the SOA's own TTL and
  // its minimum field, so negative answers are cached as the zone says.
  void negative() {
    const Zone::RRset* soa = zone_->soa();
    auto rdata = zone_->rdata(*soa, 0);
    std::uint32_t ttl = std::min(soa->ttl, read32(rdata.data() + rdata.size() - 4));
    Zone::RRset capped = *soa;
    capped.ttl = ttl;
    add_rrset(Section::Authority, zone_->origin().wire(), capped);
  }

  // RFC 1034 §4.3.2 step 3b: the NS RRset of the cut, not authoritative, with the addresses of
  // its name servers that the zone holds (glue). In-domain glue that does not fit sets TC
  // (RFC 9471 §3); other addresses are optional.
  bool referral(std::uint32_t cut) {
    const Zone::Node& node = zone_->node(cut);
    const Zone::RRset* ns = zone_->find_rrset(node, rt::NS);
    dns::WireName cut_name = zone_->node_name(node);
    add_rrset(Section::Authority, cut_name, *ns);
    for (std::size_t i = 0; i < ns->count; ++i) {
      dns::WireName target = target_of(rt::NS, zone_->rdata(*ns, i));
      if (target.empty() || !dns::is_subdomain(target, zone_->origin().wire())) continue;
      std::uint32_t n = zone_->find(target);
      if (n == Zone::kNone) continue;
      bool required = dns::is_subdomain(target, cut_name);
      for (std::uint16_t type : {rt::A, rt::AAAA})
        if (const auto* set = zone_->find_rrset(zone_->node(n), type))
          if (!add_rrset(Section::Additional, target, *set) && required) out_.set_truncated();
    }
    return false;
  }

  // Addresses of the hosts an MX, NS or SRV RRset names, from any zone we serve; each host once.
  // Hosts below a zone cut are another server's data and are left out.
  void additional_for(const Zone::RRset& set) {
    if (set.type != rt::MX && set.type != rt::NS && set.type != rt::SRV) return;
    for (std::size_t i = 0; i < set.count; ++i) {
      dns::WireName target = target_of(set.type, zone_->rdata(set, i));
      if (target.size() <= 1) continue;  // the root: a null MX (RFC 7505)
      bool seen = false;
      for (std::size_t k = 0; k < extra_count_ && !seen; ++k) seen = dns::names_equal(extra_names_[k], target);
      if (seen || extra_count_ == extra_names_.size()) continue;
      extra_names_[extra_count_++] = target;
      const Zone* z = zones_.find(target);
      if (!z) continue;
      std::uint32_t n = z->find(target);
      if (n == Zone::kNone) continue;
      const Zone::Node& node = z->node(n);
      if (node.cut != Zone::kNone && set.type != rt::NS) continue;
      for (std::uint16_t type : {rt::A, rt::AAAA})
        if (const auto* addresses = z->find_rrset(node, type))
          add_rrset(Section::Additional, target, *addresses, z);
    }
  }
};

std::size_t udp_limit(const Query& q, const AnswerOptions& options) {
  // RFC 6891 §6.2.5: payload sizes below 512 are treated as 512.
  std::size_t client = q.has_edns ? std::max<std::size_t>(512, q.edns_payload) : dns::kClassicUdpSize;
  return std::min<std::size_t>(client, std::max<std::size_t>(512, options.max_udp_payload));
}

}  // namespace

AnswerResult answer_query(const ZoneSet& zones, std::span<const std::uint8_t> wire,
                          std::span<std::uint8_t> response, bool over_tcp,
                          const AnswerOptions& options, std::uint32_t rotation) {
  thread_local Query q;
  thread_local std::string why;
  AnswerResult result;
  const QueryParse parsed = parse_query(wire, q, why);
  if (parsed == QueryParse::drop) return result;

  dns::Header header;
  header.id = q.id;
  header.qr = true;
  header.opcode = q.opcode;
  header.rd = q.rd;
  header.cd = q.cd;
  std::size_t limit = over_tcp ? std::min<std::size_t>(response.size(), dns::kMaxMessageSize)
                               : std::min(response.size(), udp_limit(q, options));
  dns::MessageBuilder out(response.first(limit), header);

  auto finish = [&](std::uint16_t rcode) {
    out.header().rcode = rcode;
    auto message = out.finish();
    result.size = message.size();
    result.rcode = rcode;
    result.truncated = out.truncated();
    result.authoritative = out.header().aa;
    return result;
  };

  if (parsed == QueryParse::formerr) {
    // Echo the question only when it was read whole; an OPT only when one was read.
    if (q.qname_length) out.add_question(q.qname(), q.qtype, q.qclass);
    return finish(dns::rcode::FORMERR);
  }
  out.add_question(q.qname(), q.qtype, q.qclass);
  if (q.has_edns) {
    dns::Edns edns;
    edns.udp_payload_size = options.max_udp_payload;
    edns.do_bit = q.edns_do;  // RFC 3225 §3: the DO bit MUST be copied into the response
    out.set_edns(edns);
    // RFC 6891 §6.1.3: a version we do not implement gets BADVERS and nothing else.
    if (q.edns_version > 0) return finish(dns::rcode::BADVERS);
  }
  if (q.opcode != dns::opcode::QUERY) return finish(dns::rcode::NOTIMP);
  if (q.qclass != dns::rrclass::IN && q.qclass != dns::rrclass::ANY) return finish(dns::rcode::REFUSED);
  switch (q.qtype) {
    case rt::OPT:  // not a question (RFC 6891 §6.1.1)
      return finish(dns::rcode::FORMERR);
    case rt::AXFR:
    case rt::IXFR:  // transfers are served by the transfer code, over TCP, when allowed
    case rt::MAILA:
    case rt::MAILB:
    case rt::TKEY:
    case rt::TSIG:
      return finish(over_tcp || q.qtype == rt::MAILA || q.qtype == rt::MAILB ? dns::rcode::REFUSED
                                                                            : dns::rcode::NOTIMP);
    default:
      break;
  }
  const Zone* zone = zones.find(q.qname());
  if (zones.unavailable(q.qname(), zone)) return finish(dns::rcode::SERVFAIL);  // RFC 1034 §4.3.5
  if (!zone) return finish(dns::rcode::REFUSED);  // not ours: no recursion here
  Answerer answerer(zones, q, out, options, rotation);
  out.header().aa = answerer.run(*zone);
  return finish(out.header().rcode);
}

}  // namespace mxkit::auth
