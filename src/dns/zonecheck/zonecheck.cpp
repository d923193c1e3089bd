// Running the zone checks: find the apex, index the zone once, run each check over the index.
#include "dns/zonecheck/zonecheck.hpp"

#include "dns/rrtype.hpp"
#include "dns/zonecheck/checks.hpp"

namespace mxkit::dns::zonecheck {

std::vector<zone::Diagnostic> check_zone(const zone::RecordTable& records, WireName origin,
                                         bool origin_given, std::string_view file,
                                         bool errors_only) {
  WireName apex = origin;
  if (!origin_given) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto& e = records.entry(i);
      if (e.type == rrtype::SOA) {
        apex = records.owner(e);
        break;
      }
    }
  }
  const ZoneIndex index(records, apex);
  Findings findings(records, file);
  check_apex(index, findings);
  check_zone_cuts(index, findings);
  check_aliases(index, findings);
  check_targets(index, findings);
  if (!errors_only) check_rrsets(index, findings);  // warnings only
  return findings.take();
}

}  // namespace mxkit::dns::zonecheck
