// Aliases: a CNAME alone at its name and single, a DNAME single and with nothing below it.
#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zonecheck/checks.hpp"

namespace mxkit::dns::zonecheck {

namespace {

// Types RFC 4035 §2.5 lets share a name with a CNAME: the alias's own DNSSEC records.
bool may_sit_beside_cname(std::uint16_t type) {
  return type == rrtype::CNAME || type == rrtype::RRSIG || type == rrtype::NSEC;
}

// Reports every distinct record of a singleton RRset after the first one read.
void check_single(const ZoneIndex& index, Findings& out, const Node& node, std::uint16_t type,
                  Code code, std::string_view why) {
  auto rrset = index.rrset(node, type);
  if (rrset.size() < 2) return;
  const std::uint32_t first = earliest(rrset);
  const std::string type_text = type_to_text(type);
  for_each_distinct(
      index, type, rrset,
      [&](std::uint32_t group) {
        if (group != first)
          out.at(code, group,
                 fmt::format("another {} at {} (the first is at {}); {}", type_text,
                             quoted(index.name(node)), out.where(first, group), why));
      },
      [](std::uint32_t, std::uint32_t) {});
}

// The DNAME a node lies below: the nearest ancestor that owns one.
const Node* dname_above(const ZoneIndex& index, WireName name) {
  for (std::size_t offset = name[0] + 1u; offset < name.size(); offset += name[offset] + 1u) {
    const Node* node = index.find(name.subspan(offset));
    if (node && node->has(node_flag::dname) && !node->has(node_flag::below_dname)) return node;
  }
  return nullptr;
}

}  // namespace

// Implements RFC 1034 §3.6.2 and RFC 2181 §10.1 (an alias has one CNAME and no other data),
// and RFC 6672 §2.3-2.4 (one DNAME at a name, no names below it).
void check_aliases(const ZoneIndex& index, Findings& out) {
  namespace f = node_flag;
  for (const auto& node : index.nodes()) {
    if (!node.has(f::in_zone) || node.has(f::below_cut)) continue;
    if (node.has(f::cname)) {
      if (node.has(f::other_data)) {
        std::uint32_t cname = earliest(index.rrset(node, rrtype::CNAME));
        std::uint32_t other = 0;
        std::string others = type_list(
            index, node, [](std::uint16_t t) { return !may_sit_beside_cname(t); }, other);
        // At whichever came second: the record that made the conflict.
        std::uint32_t at = std::max(cname, other);
        out.at(Code::cname_and_other_data, at,
               fmt::format("{} has a CNAME ({}) and other data ({}; first at {}); an alias may "
                           "have only RRSIG and NSEC beside it (RFC 1034 §3.6.2, RFC 2181 §10.1)",
                           quoted(index.name(node)), out.where(cname, at), others,
                           out.where(other, at)));
      }
      check_single(index, out, node, rrtype::CNAME, Code::multiple_cname,
                   "an alias has exactly one canonical name (RFC 2181 §10.1)");
    }
    if (node.has(f::dname))
      check_single(index, out, node, rrtype::DNAME, Code::multiple_dname,
                   "a name has at most one DNAME (RFC 6672 §2.4)");
    if (node.has(f::below_dname)) {
      const Node* dname = dname_above(index, index.name(node));
      if (!dname) continue;
      std::uint32_t first = earliest(index.records(node));
      std::uint32_t at = earliest(index.rrset(*dname, rrtype::DNAME));
      out.at(Code::below_dname, first,
             fmt::format("{} lies below the DNAME at {} ({}), which redirects every name below "
                         "it; its records are never served (RFC 6672 §2.3)",
                         quoted(index.name(node)), quoted(index.name(*dname)),
                         out.where(at, first)));
    }
  }
}

}  // namespace mxkit::dns::zonecheck
