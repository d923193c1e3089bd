// What the zone does not serve: names outside it, data below a zone cut that is not glue, and
// DS records anywhere but at a delegation.
#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zonecheck/checks.hpp"

namespace mxkit::dns::zonecheck {

namespace {

bool is_address(std::uint16_t type) { return type == rrtype::A || type == rrtype::AAAA; }

// At a delegation point the parent holds the NS RRset, the DS RRset and their NSEC and RRSIG
// records (RFC 4035 §2.4, §2.5); the rest of the name's data belongs to the child zone.
bool parent_side_type(std::uint16_t type) {
  return type == rrtype::NS || type == rrtype::DS || type == rrtype::NSEC ||
         type == rrtype::RRSIG;
}

void check_occluded(const ZoneIndex& index, Findings& out, const Node& node) {
  namespace f = node_flag;
  // Addresses of a name an NS record points at are glue and stay (RFC 1034 §4.2.1).
  const bool glue = node.has(f::ns_target);
  const bool at_cut = node.has(f::cut);
  std::uint32_t first = 0;
  std::string types = type_list(
      index, node,
      [&](std::uint16_t t) { return !(glue && is_address(t)) && !(at_cut && parent_side_type(t)); },
      first);
  if (types.empty()) return;
  const std::string name = quoted(index.name(node));
  if (at_cut) {
    out.at(Code::occluded_data, first,
           fmt::format("{} at the delegation point {} is the child zone's data and is never "
                       "served from here; only NS, DS and glue belong at a zone cut "
                       "(RFC 1034 §4.2.1)",
                       types, name));
    return;
  }
  const Node* cut = index.enclosing_cut(index.name(node));
  std::string cut_text = cut ? fmt::format(" at {} ({})", quoted(index.name(*cut)),
                                           out.where(earliest(index.rrset(*cut, rrtype::NS)), first))
                             : std::string();
  out.at(Code::occluded_data, first,
         fmt::format("{} at {} lies below the zone cut{} and is never served; below a cut only "
                     "glue (addresses of the name servers the NS records name) belongs "
                     "(RFC 1034 §4.2.1)",
                     types, name, cut_text));
}

}  // namespace

void check_zone_cuts(const ZoneIndex& index, Findings& out) {
  namespace f = node_flag;
  const std::string apex_text = quoted(index.apex());
  for (const auto& node : index.nodes()) {
    if (!node.has(f::in_zone)) {
      out.at(Code::out_of_zone, earliest(index.records(node)),
             fmt::format("{} is out of zone: not at or below the apex {} (RFC 1034 §4.2); BIND "
                         "ignores such records, so they are never served",
                         quoted(index.name(node)), apex_text));
      continue;
    }
    if (node.has(f::cut) || node.has(f::below_cut)) {
      check_occluded(index, out, node);
      continue;
    }
    auto ds = index.rrset(node, rrtype::DS);
    if (ds.empty()) continue;
    out.at(Code::ds_not_at_delegation, earliest(ds),
           node.has(f::apex)
               ? fmt::format("DS at the apex {} belongs in the parent zone, at its delegation to "
                             "this one (RFC 4035 §2.4)",
                             apex_text)
               : fmt::format("DS at {}, which is not a delegation point; a DS RRset belongs on "
                             "the parent side of a zone cut, beside its NS RRset (RFC 4035 §2.4)",
                             quoted(index.name(node))));
  }
}

}  // namespace mxkit::dns::zonecheck
