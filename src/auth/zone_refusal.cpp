// Refusing broken zones: the origin against the file's SOA, the zone checks' errors, and
// origins given twice.
#include "auth/zone_refusal.hpp"

#include <map>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zonecheck/zonecheck.hpp"

namespace mxkit::auth {

std::vector<std::string> zone_refusals(const dns::zone::RecordTable& records,
                                       const dns::Name& origin, std::string_view file,
                                       std::vector<std::string>* served_despite) {
  std::vector<std::string> out;
  // RFC 1035 §5.2: the SOA marks the top of the zone. A first SOA elsewhere means the file
  // was written for another origin (its $ORIGIN or absolute names say so); checking it against
  // ours would only call every record out of zone, so say where its SOA is instead.
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& e = records.entry(i);
    if (e.type != dns::rrtype::SOA) continue;
    const auto owner = records.owner(e);
    if (!dns::names_equal(owner, origin.wire())) {
      const auto soa_owner = dns::Name::from_wire(owner).to_text();
      dns::zone::Diagnostic d;
      d.file = std::string(records.file(e));
      d.line = e.line;
      d.column = 1;
      d.code = "origin-mismatch";
      d.message = fmt::format(
          "the file's SOA is at {}, not at the origin {}: serve the file as zone {} or change "
          "its $ORIGIN",
          soa_owner, origin.to_text(), soa_owner);
      out.push_back(dns::zone::format_diagnostic(d));
    }
    break;
  }
  if (!out.empty()) return out;
  std::vector<std::string>& errors_to = served_despite ? *served_despite : out;
  std::size_t errors = 0;
  for (const auto& d : dns::zonecheck::check_zone(records, origin.wire(), true, file, true)) {
    if (d.severity != dns::zone::Severity::error) continue;
    if (++errors <= kRefusalsListed) errors_to.push_back(dns::zone::format_diagnostic(d));
  }
  if (errors > kRefusalsListed)
    errors_to.push_back(
        fmt::format("and {} more errors (mxkit zone check --origin {} {} lists them)",
                    errors - kRefusalsListed, origin.to_text(), file));
  return out;
}

std::string source_place(const ZoneSource& source) {
  if (!source.where.empty()) return source.where;
  return source.file.string();
}

core::Result<void> check_distinct_origins(const std::vector<ZoneSource>& sources) {
  std::map<std::string, const ZoneSource*> seen;  // lower-cased origin → its first source
  std::string errors;
  for (const auto& source : sources) {
    auto [it, fresh] = seen.emplace(source.origin.lowercase().to_text(), &source);
    if (fresh) continue;
    if (!errors.empty()) errors += "\n";
    errors += fmt::format("zone {} is given twice: {} and {} (each origin once)",
                          source.origin.to_text(), source_place(*it->second), source_place(source));
  }
  if (!errors.empty()) return core::fail(errors);
  return {};
}

}  // namespace mxkit::auth
