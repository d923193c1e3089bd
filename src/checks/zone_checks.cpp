// Zone checks as findings (see zone_checks.hpp).
#include "checks/zone_checks.hpp"

#include <fmt/format.h>

#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"
#include "dns/zonecheck/zonecheck.hpp"

namespace mxkit::checks {

std::vector<Finding> diagnostic_findings(const std::vector<dns::zone::Diagnostic>& diagnostics) {
  std::vector<Finding> out;
  for (const auto& d : diagnostics) {
    Finding f;
    f.code = d.code;
    f.severity = d.severity == dns::zone::Severity::error ? Severity::error : Severity::warning;
    f.area = "zone";
    f.subject = d.line > 0 ? fmt::format("{}:{}", d.file, d.line) : d.file;
    f.message = d.message;
    // The MX codes shared with the zone checks carry their RFC and fix; the rest are explained
    // in docs/zone-checks.md under the same code.
    if (const auto* info = find_code(d.code)) {
      f.rfc = info->rfc;
      f.fix = info->fix;
    } else {
      f.rfc = "docs/zone-checks.md";
      f.fix = fmt::format("See \"{}\" in docs/zone-checks.md.", d.code);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Finding> check_zone_file(const std::string& file, const dns::Name& origin) {
  dns::zone::ParseOptions options;
  options.origin = origin;
  dns::zone::CollectingSink sink;
  const auto stats = dns::zone::parse_zone_file(file, options, sink);
  auto diagnostics = sink.diagnostics;
  if (!stats.stopped) {
    auto checks = dns::zonecheck::check_zone(sink.records, origin.wire(), true, file);
    diagnostics.insert(diagnostics.end(), checks.begin(), checks.end());
  }
  return diagnostic_findings(diagnostics);
}

std::vector<Finding> check_zone_records(const std::vector<dns::Record>& records,
                                        const dns::Name& origin, const std::string& source) {
  dns::zone::RecordTable table;
  std::uint32_t index = 0;
  for (const auto& r : records)
    table.add(
        dns::zone::RecordView{r.owner.wire(), r.type, r.cls, r.ttl, r.rdata, source, ++index});
  // No line numbers for transferred records: the subject is the source alone.
  auto diagnostics = dns::zonecheck::check_zone(table, origin.wire(), true, source);
  for (auto& d : diagnostics) d.line = 0;
  return diagnostic_findings(diagnostics);
}

}  // namespace mxkit::checks
