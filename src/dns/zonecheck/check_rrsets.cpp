// RRsets as sets: one TTL for all their records, and no record twice.
#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zonecheck/checks.hpp"

namespace mxkit::dns::zonecheck {

// Implements RFC 2181 §5 (an RRset holds each record once) and §5.2 (its TTLs are equal).
void check_rrsets(const ZoneIndex& index, Findings& out) {
  const auto& table = index.table();
  for (const auto& node : index.nodes()) {
    if (!node.has(node_flag::in_zone)) continue;  // reported, and ignored, as out of zone
    index.for_each_rrset(node, [&](std::uint16_t type, std::span<const std::uint32_t> rrset) {
      if (rrset.size() < 2) return;
      const std::string type_text = type_to_text(type);
      for_each_distinct(
          index, type, rrset, [](std::uint32_t) {},
          [&](std::uint32_t first, std::uint32_t repeat) {
            out.at(Code::duplicate_record, repeat,
                   fmt::format("{} record at {} repeats the one at {}; a zone holds a record "
                               "once (RFC 2181 §5)",
                               type_text, quoted(index.name(node)), out.where(first, repeat)));
          });
      // An RRSIG RRset covers several types, each signature with its RRset's TTL (RFC 4034 §3).
      if (type == rrtype::RRSIG) return;
      const std::uint32_t first = earliest(rrset);
      const std::uint32_t ttl = table.entry(first).ttl;
      std::uint32_t differing = ~std::uint32_t{0};
      for (auto i : rrset)
        if (table.entry(i).ttl != ttl) differing = std::min(differing, i);
      if (differing == ~std::uint32_t{0}) return;
      out.at(Code::ttl_mismatch, differing,
             fmt::format("TTL {} of this {} record at {} differs from TTL {} of the RRset's first "
                         "record ({}); all records of an RRset have one TTL (RFC 2181 §5.2)",
                         table.entry(differing).ttl, type_text, quoted(index.name(node)), ttl,
                         out.where(first, differing)));
    });
  }
}

}  // namespace mxkit::dns::zonecheck
