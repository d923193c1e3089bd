// The apex: one SOA there and nowhere else, and the NS RRset that names the zone's servers.
#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zonecheck/checks.hpp"

namespace mxkit::dns::zonecheck {

// Implements RFC 1035 §5.2 ("exactly one SOA RR should be present at the top of the zone") and
// RFC 1034 §4.2.1 (the top node of a zone holds its SOA and the NS RRs naming its servers).
void check_apex(const ZoneIndex& index, Findings& out) {
  namespace f = node_flag;
  const auto& table = index.table();
  const Node* apex = index.apex_node();
  const std::string apex_text = quoted(index.apex());
  constexpr std::uint32_t kNone = ~std::uint32_t{0};

  std::uint32_t soa = kNone;  // the zone's SOA: the first one read
  if (apex) {
    auto soas = index.rrset(*apex, rrtype::SOA);
    if (!soas.empty()) soa = earliest(soas);
    // Exact repeats of the SOA are duplicate-record's business; a second, different SOA is
    // a second start of authority.
    for_each_distinct(
        index, rrtype::SOA, soas,
        [&](std::uint32_t first) {
          // The group holding the zone's SOA starts with it (a group is in file order).
          if (first != soa)
            out.at(Code::multiple_soa, first,
                   fmt::format("another SOA record at the apex {} (the first is at {}); a zone "
                               "has exactly one (RFC 1035 §5.2)",
                               apex_text, out.where(soa, first)));
        },
        [](std::uint32_t, std::uint32_t) {});
  }

  // Where to report what the apex lacks: its SOA, else its first record, else the zone.
  auto report_missing = [&](Code code, std::string message) {
    if (soa != kNone) out.at(code, soa, std::move(message));
    else if (apex && apex->count > 0) out.at(code, earliest(index.records(*apex)), std::move(message));
    else out.at_zone(code, std::move(message));
  };
  if (soa == kNone)
    report_missing(Code::no_soa, fmt::format("no SOA record at the apex {}; a zone starts with "
                                             "exactly one (RFC 1035 §5.2)",
                                             apex_text));
  if (!apex || !apex->has(f::ns))
    report_missing(Code::no_apex_ns,
                   fmt::format("no NS records at the apex {}; they name the zone's name servers "
                               "(RFC 1034 §4.2.1)",
                               apex_text));
  if (soa != kNone) {
    auto serial = soa_serial(table.rdata(table.entry(soa)));
    if (serial && *serial == 0)
      out.at(Code::soa_serial_zero, soa,
             "SOA serial is 0, the mark of a template never filled in; secondaries take a new "
             "copy of the zone only when the serial grows (RFC 1034 §4.3.5)");
  }

  // An SOA below the apex starts a zone of its own: in this file it is misplaced. Below a cut
  // the occlusion check speaks for it.
  for (const auto& node : index.nodes()) {
    if (!node.has(f::soa) || !node.has(f::in_zone) || node.has(f::apex) || node.has(f::cut) ||
        node.has(f::below_cut))
      continue;
    for (auto i : index.rrset(node, rrtype::SOA))
      out.at(Code::soa_not_at_apex, i,
             fmt::format("SOA record at {} is not at the apex {}; a zone has its one SOA at the "
                         "top (RFC 1035 §5.2)",
                         quoted(index.name(node)), apex_text));
  }
}

}  // namespace mxkit::dns::zonecheck
