// Classifying a reply: the resolver's step 4 as a pure function.
#include "resolver/classify.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dns/rrtype.hpp"

namespace mxkit::resolver {

std::string_view reply_kind_name(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::Answer: return "answer";
    case ReplyKind::Cname: return "cname";
    case ReplyKind::Referral: return "referral";
    case ReplyKind::NxDomain: return "nxdomain";
    case ReplyKind::NoData: return "nodata";
    case ReplyKind::Lame: return "lame";
    case ReplyKind::Failure: return "servfail";
  }
  return "servfail";
}

std::uint32_t negative_ttl(const dns::Record& soa) {
  const auto& r = soa.rdata;
  std::size_t at = dns::wire_name_length(r);
  if (at == 0) return 0;
  std::size_t second = dns::wire_name_length(std::span(r).subspan(at));
  if (second == 0 || at + second + 20 != r.size()) return 0;
  const std::size_t m = r.size() - 4;
  const auto minimum = static_cast<std::uint32_t>(r[m]) << 24 |
                       static_cast<std::uint32_t>(r[m + 1]) << 16 |
                       static_cast<std::uint32_t>(r[m + 2]) << 8 | r[m + 3];
  return std::min(soa.ttl, minimum);
}

std::vector<dns::Record> rrset_of(const std::vector<dns::Record>& section, const dns::Name& owner,
                                  std::uint16_t type) {
  std::vector<dns::Record> out;
  for (const auto& r : section)
    if (r.type == type && r.cls == dns::rrclass::IN && r.owner == owner) out.push_back(r);
  return out;
}

dns::Name target_name(const dns::Record& record) {
  if (dns::wire_name_length(record.rdata) == 0) return dns::Name();
  return dns::Name::from_wire(record.rdata);
}

std::uint32_t min_ttl(const std::vector<dns::Record>& records, std::uint32_t start) {
  for (const auto& r : records) start = std::min(start, r.ttl);
  return start;
}

namespace {

bool in_bailiwick(const dns::Name& name, const ClassifyContext& context) {
  return !context.iterative || name.is_subdomain_of(context.zone);
}

// The SOA of the authority section, accepted only for the zone asked or a zone inside it.
std::vector<dns::Record> authority_soa(const dns::Message& reply, const dns::Name& name,
                                       const ClassifyContext& context) {
  for (const auto& r : reply.authority)
    if (r.type == dns::rrtype::SOA && r.cls == dns::rrclass::IN && name.is_subdomain_of(r.owner) &&
        in_bailiwick(r.owner, context))
      return rrset_of(reply.authority, r.owner, dns::rrtype::SOA);
  return {};
}

Classified negative(Classified out, ReplyKind kind, const dns::Message& reply,
                    const ClassifyContext& context) {
  out.kind = kind;
  out.soa = authority_soa(reply, out.target, context);
  out.negative_ttl = out.soa.empty() ? 0 : negative_ttl(out.soa.front());
  return out;
}

// A lame reply teaches nothing: whatever it held is dropped.
Classified lame(Classified out, std::string why) {
  out.kind = ReplyKind::Lame;
  out.cnames.clear();
  out.records.clear();
  out.why = std::move(why);
  return out;
}

}  // namespace

// RFC 1034 §5.3.3 step 4: an answer or a name error ends the search (caching it), a referral
// sends us to servers closer to the name, a CNAME makes us start over at its target, and
// anything else means the server is bad (4d). Lameness per RFC 1034 §4.3.1 and RFC 2181 §5.4.1:
// an authority must set AA on its answers and may only refer downwards.
Classified classify_reply(const dns::Message& reply, const dns::Name& qname, std::uint16_t qtype,
                          const ClassifyContext& context) {
  Classified out;
  out.target = qname;
  const auto rc = reply.header.rcode;
  if (rc == dns::rcode::REFUSED) return lame(std::move(out), "REFUSED");
  if (rc != dns::rcode::NOERROR && rc != dns::rcode::NXDOMAIN) {
    out.kind = ReplyKind::Failure;
    out.why = rc == dns::rcode::SERVFAIL ? "SERVFAIL" : fmt::format("rcode {}", rc);
    return out;
  }
  // Follow the chain inside this reply, only through names the server may speak for. The
  // bound is the answer section's size, so a CNAME loop ends.
  if (qtype != dns::rrtype::CNAME && qtype != dns::rrtype::ANY) {
    for (std::size_t step = 0; step <= reply.answer.size(); ++step) {
      if (!in_bailiwick(out.target, context)) break;
      auto cname = rrset_of(reply.answer, out.target, dns::rrtype::CNAME);
      if (cname.empty()) break;
      bool loop = std::any_of(out.cnames.begin(), out.cnames.end(),
                              [&](const dns::Record& r) { return r.owner == cname.front().owner; });
      if (loop) return lame(std::move(out), fmt::format("CNAME loop at {}", out.target.to_text()));
      out.cnames.push_back(cname.front());
      out.target = target_name(cname.front());
    }
  }
  const bool authoritative = reply.header.aa || !context.iterative;
  if (in_bailiwick(out.target, context)) out.records = rrset_of(reply.answer, out.target, qtype);
  if (!out.records.empty()) {
    if (!authoritative) return lame(std::move(out), "answer without AA");
    out.kind = ReplyKind::Answer;
    return out;
  }
  if (rc == dns::rcode::NXDOMAIN) {
    if (!authoritative) return lame(std::move(out), "NXDOMAIN without AA");
    // A name error for a name the server cannot speak for is no answer at all.
    if (!in_bailiwick(out.target, context))
      return lame(std::move(out), "NXDOMAIN outside its zone");
    return negative(std::move(out), ReplyKind::NxDomain, reply, context);
  }
  // A chain leaving what this server knows: start over at its end (RFC 1034 §5.3.3 step 4c).
  if (!out.cnames.empty() &&
      (!in_bailiwick(out.target, context) || authority_soa(reply, out.target, context).empty())) {
    out.kind = ReplyKind::Cname;
    return out;
  }
  // A referral: NS records in the authority section for a zone between the one asked and qname.
  if (context.iterative && out.cnames.empty() && !reply.header.aa) {
    for (const auto& r : reply.authority) {
      if (r.type != dns::rrtype::NS || r.cls != dns::rrclass::IN) continue;
      if (!qname.is_subdomain_of(r.owner))
        return lame(std::move(out),
                    fmt::format("referral to {}, not above the name", r.owner.to_text()));
      if (!r.owner.is_subdomain_of(context.zone) || r.owner == context.zone)
        return lame(std::move(out), r.owner == context.zone
                                        ? fmt::format("referral to {} itself", r.owner.to_text())
                                        : fmt::format("upward referral to {}", r.owner.to_text()));
      out.kind = ReplyKind::Referral;
      out.cut = r.owner;
      out.ns = rrset_of(reply.authority, r.owner, dns::rrtype::NS);
      // Glue only for names inside the referring zone (RFC 2181 §5.4.1); the rest is resolved.
      for (const auto& ns : out.ns) {
        const auto host = target_name(ns);
        if (!host.is_subdomain_of(context.zone)) continue;
        for (auto type : {dns::rrtype::A, dns::rrtype::AAAA})
          for (auto& g : rrset_of(reply.additional, host, type)) out.glue.push_back(std::move(g));
      }
      return out;
    }
  }
  if (!authoritative) return lame(std::move(out), "no AA on an answer");
  return negative(std::move(out), ReplyKind::NoData, reply, context);
}

}  // namespace mxkit::resolver
