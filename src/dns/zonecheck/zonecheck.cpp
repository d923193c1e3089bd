// Zone checks.
#include "dns/zonecheck/zonecheck.hpp"

#include "dns/rrtype.hpp"

namespace mxkit::dns::zonecheck {

std::vector<zone::Diagnostic> check_zone(const zone::RecordTable& records, WireName origin,
                                         bool origin_given) {
  std::vector<zone::Diagnostic> out;
  (void)origin;
  (void)origin_given;
  std::size_t soa = 0;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records.entry(i).type == rrtype::SOA) ++soa;
  if (soa == 0) out.push_back({"", 0, 0, zone::Severity::error, "no-soa", "the zone has no SOA record"});
  return out;
}

}  // namespace mxkit::dns::zonecheck
