// The zone checks, one concept per file; each walks the index and adds what it finds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>

#include "dns/rrtype.hpp"
#include "dns/zonecheck/findings.hpp"
#include "dns/zonecheck/record_fields.hpp"
#include "dns/zonecheck/zone_index.hpp"

namespace mxkit::dns::zonecheck {

void check_apex(const ZoneIndex& index, Findings& out);       // check_apex.cpp: SOA and NS
void check_aliases(const ZoneIndex& index, Findings& out);    // check_aliases.cpp: CNAME, DNAME
void check_zone_cuts(const ZoneIndex& index, Findings& out);  // check_zone_cuts.cpp: out of
                                                              // zone, occluded data, DS
void check_targets(const ZoneIndex& index, Findings& out);    // check_targets.cpp: MX, NS, SRV
                                                              // targets, null MX, glue
void check_rrsets(const ZoneIndex& index, Findings& out);     // check_rrsets.cpp: TTLs, repeats

// The record read first of `records` (entry indices follow the order the parser read them).
inline std::uint32_t earliest(std::span<const std::uint32_t> records) {
  return *std::min_element(records.begin(), records.end());
}

// Walks an RRset (which the index keeps sorted by rdata, then file order) by distinct rdata:
// fn(first) for the earliest record of each group of equal records, and repeat(first, later)
// for each other record of the group.
template <class Fn, class Repeat>
void for_each_distinct(const ZoneIndex& index, std::uint16_t type,
                       std::span<const std::uint32_t> rrset, Fn&& fn, Repeat&& repeat) {
  const auto& table = index.table();
  std::size_t group = 0;
  for (std::size_t i = 0; i < rrset.size(); ++i) {
    if (i > 0 && compare_rdata(type, table.rdata(table.entry(rrset[group])),
                               table.rdata(table.entry(rrset[i]))) == 0) {
      repeat(rrset[group], rrset[i]);
      continue;
    }
    group = i;
    fn(rrset[i]);
  }
}

// The types at a node that keep(type) accepts, as "A, MX, TXT" (empty if none), and in `first`
// the earliest of their records.
template <class Keep>
std::string type_list(const ZoneIndex& index, const Node& node, Keep&& keep, std::uint32_t& first) {
  std::string list;
  first = ~std::uint32_t{0};
  index.for_each_rrset(node, [&](std::uint16_t type, std::span<const std::uint32_t> rrset) {
    if (!keep(type)) return;
    if (!list.empty()) list += ", ";
    list += type_to_text(type);
    first = std::min(first, earliest(rrset));
  });
  return list;
}

}  // namespace mxkit::dns::zonecheck
