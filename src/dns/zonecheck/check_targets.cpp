// The names MX, NS and SRV records point at (host names with addresses, never aliases or IP
// literals), null MX, glue for delegations, and the syntax of host names.
#include <array>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zonecheck/checks.hpp"

namespace mxkit::dns::zonecheck {

namespace {

// What a target name is, which depends on the name alone.
struct TargetFacts {
  bool ip_literal = false;
  bool host_name = true;
  Resolution resolution;
};

struct TargetCheck {
  const ZoneIndex& index;
  Findings& out;
  // The facts of the last two targets: a zone's MX records mostly name a few hosts, or the
  // name they sit at, so most lookups are repeats.
  std::array<WireName, 2> memo_names{};
  std::array<TargetFacts, 2> memo{};
  std::size_t memo_older = 0;

  const TargetFacts& facts(WireName target, const Node& owner) {
    for (std::size_t k = 0; k < 2; ++k)
      if (!memo_names[k].empty() && names_equal(memo_names[k], target)) {
        memo_older = 1 - k;
        return memo[k];
      }
    std::size_t k = memo_older;
    memo_older = 1 - k;
    std::string address;
    TargetFacts& f = memo[k];
    memo_names[k] = target;
    f.ip_literal = is_ip_literal(target, index.apex(), address);
    f.host_name = is_host_name(target, false);
    if (!f.ip_literal) f.resolution = index.resolve(target, &owner);
    return f;
  }

  // The rule the target rests on: RFC 2181 §10.3 for MX and NS, RFC 2782 for SRV.
  static std::string_view rfc(std::uint16_t type) {
    return type == rrtype::SRV ? "RFC 2782" : "RFC 2181 §10.3";
  }

  // Implements RFC 2181 §10.3 for one target: the name of a host with address records, never
  // an alias; plus the glue a delegation to an in-bailiwick server needs (RFC 1034 §4.2.1).
  void check(std::uint16_t type, std::uint32_t entry, const Node& owner, WireName target) {
    namespace f = node_flag;
    const TargetFacts& facts = this->facts(target, owner);
    if (facts.ip_literal) {
      std::string address;
      is_ip_literal(target, index.apex(), address);
      bool relative = target.size() != address.size() + 2;  // more than the address's labels
      out.at(Code::target_is_ip_literal, entry,
             fmt::format("{} target {} is the IP address {} written as a name{}; the target must "
                         "be the name of a host with A/AAAA records ({})",
                         type_to_text(type), quoted(target), address,
                         relative ? " (with the origin appended: no trailing dot)" : "",
                         rfc(type)));
      return;
    }
    if (!facts.host_name)
      out.at(Code::bad_hostname, entry,
             fmt::format("{} target {} is not a host name: letters, digits and inner hyphens "
                         "only (RFC 952, RFC 1123 §2.1)",
                         type_to_text(type), quoted(target)));

    const Resolution& r = facts.resolution;
    using Kind = Resolution::Kind;
    switch (r.kind) {
      case Kind::out_of_zone:
        return;  // another zone's data: nothing here to check it against
      case Kind::alias:
        out.at(Code::target_is_alias, entry,
               fmt::format("{} target {} is an alias ({}); the target must be the name of a host, "
                           "never a CNAME ({})",
                           type_to_text(type), quoted(target), alias_text(*r.node, r.via_wildcard, entry),
                           rfc(type)));
        return;
      case Kind::delegated: {
        // Only the delegation's own servers below its own cut need glue here; anything else
        // below a cut is found through that cut's referral.
        if (type != rrtype::NS || !owner.has(f::cut)) return;
        if (index.enclosing_cut(target) != &owner) return;
        if (r.node && r.node->has(f::address)) return;
        out.at(Code::missing_glue, entry,
               fmt::format("NS target {} lies below the zone cut at {} but has no glue A/AAAA "
                           "record here; a resolver following the referral cannot reach it "
                           "(RFC 1034 §4.2.1)",
                           quoted(target), quoted(index.name(owner))));
        return;
      }
      case Kind::exists:
        if (r.node->has(f::address)) return;
        out.at(Code::target_no_address, entry,
               fmt::format("{} target {} has no A or AAAA record in the zone{} ({})", type_to_text(type),
                           quoted(target),
                           r.via_wildcard ? fmt::format(" (it matches the wildcard {})",
                                                        quoted(index.name(*r.node)))
                                          : std::string(),
                           rfc(type)));
        return;
      case Kind::nxdomain:
        out.at(Code::target_no_address, entry,
               fmt::format("{} target {} does not exist in the zone, so it has no A or AAAA "
                           "record ({})",
                           type_to_text(type), quoted(target), rfc(type)));
        return;
    }
  }

  std::string alias_text(const Node& node, bool via_wildcard, std::uint32_t anchor) const {
    if (!node.has(node_flag::cname)) return "it lies below a DNAME";
    auto cname = index.rrset(node, rrtype::CNAME);
    if (cname.empty()) return "it lies below a DNAME";
    std::string where = out.where(earliest(cname), anchor);
    if (via_wildcard)
      return fmt::format("it matches the wildcard CNAME {} at {}", quoted(index.name(node)), where);
    return "CNAME at " + where;
  }

  // RFC 7505 §3: a null MX is "0 ." and alone in its RRset.
  void check_mx(const Node& node) {
    const auto& table = index.table();
    auto mx = index.rrset(node, rrtype::MX);
    std::uint32_t first_null = ~std::uint32_t{0};
    std::uint32_t first_other = ~std::uint32_t{0};
    for (auto i : mx) {
      auto rdata = table.rdata(table.entry(i));
      WireName target = trailing_name(rrtype::MX, rdata);
      if (target.empty()) continue;
      if (target.size() == 1) {
        first_null = std::min(first_null, i);
        auto preference = read_u16(rdata, 0).value_or(0);
        if (preference != 0)
          out.at(Code::null_mx_preference, i,
                 fmt::format("MX \"{} .\" at {} has preference {}; a null MX has preference 0 "
                             "(RFC 7505 §3)",
                             preference, quoted(index.name(node)), preference));
        continue;
      }
      first_other = std::min(first_other, i);
      check(rrtype::MX, i, node, target);
    }
    if (first_null != ~std::uint32_t{0} && first_other != ~std::uint32_t{0})
      out.at(Code::null_mx_mixed, first_null,
             fmt::format("null MX at {} beside other MX records (first at {}); a domain that "
                         "publishes a null MX must publish no other MX (RFC 7505 §3)",
                         quoted(index.name(node)), out.where(first_other, first_null)));
  }

  void check_all(const Node& node, std::uint16_t type) {
    const auto& table = index.table();
    for (auto i : index.rrset(node, type)) {
      WireName target = trailing_name(type, table.rdata(table.entry(i)));
      // RFC 2782: an SRV target of "." says the service is not offered here.
      if (target.empty() || (type == rrtype::SRV && target.size() == 1)) continue;
      check(type, i, node, target);
    }
  }

  // Names that own addresses are host names (RFC 1123 §2.1); BIND's check-names agrees.
  void check_address_owner(const Node& node) {
    if (is_host_name(index.name(node), true)) return;
    std::uint32_t first = 0;
    std::string types = type_list(
        index, node, [](std::uint16_t t) { return t == rrtype::A || t == rrtype::AAAA; }, first);
    out.at(Code::bad_hostname, first,
           fmt::format("{} owns {} records but is not a host name: letters, digits and inner "
                       "hyphens only (RFC 952, RFC 1123 §2.1)",
                       quoted(index.name(node)), types));
  }
};

}  // namespace

void check_targets(const ZoneIndex& index, Findings& out) {
  namespace f = node_flag;
  TargetCheck c{index, out};
  for (const auto& node : index.nodes()) {
    // Data below a cut or a DNAME is never served; at a cut only the NS RRset is this zone's.
    if (!node.has(f::in_zone) || node.has(f::below_cut) || node.has(f::below_dname)) continue;
    if (node.has(f::ns)) c.check_all(node, rrtype::NS);
    if (node.has(f::cut)) continue;
    if (node.has(f::other_data)) {
      c.check_mx(node);
      c.check_all(node, rrtype::SRV);
    }
    if (node.has(f::address)) c.check_address_owner(node);
  }
}

}  // namespace mxkit::dns::zonecheck
