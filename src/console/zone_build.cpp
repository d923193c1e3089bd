// Records → zone text → parser → auth::Zone (zone_build.hpp).
#include "console/zone_build.hpp"

#include <fmt/format.h>

namespace mxkit::console {

std::string records_zone_text(const std::vector<Record>& records) {
  std::string text;
  for (const auto& r : records) {
    // A new line inside a value would make two records of one (or hide one in a comment):
    // the parser sees it as its own line, and the error names this record.
    text.append(record_line(r));
    text.push_back('\n');
  }
  return text;
}

core::Result<ParsedRecords> parse_records(const std::string& zone,
                                          const std::vector<Record>& records) {
  auto origin = dns::Name::from_text(zone);
  if (!origin) return core::fail(fmt::format("zone name \"{}\": {}", zone, origin.error().message));
  for (const auto& r : records)
    if (r.name.find_first_of("\r\n") != std::string::npos ||
        r.value.find_first_of("\r\n") != std::string::npos ||
        r.type.find_first_of("\r\n") != std::string::npos)
      return core::fail(
          fmt::format("record {} ({} {}): a line break in a field", r.id, r.name, r.type));
  dns::zone::CollectingSink sink;
  dns::zone::ParseOptions options;
  options.origin = *origin;
  const auto text = records_zone_text(records);
  const auto stats = dns::zone::parse_zone_text(text, "console:" + zone, options, sink);
  ParsedRecords parsed;
  parsed.table = std::move(sink.records);
  parsed.diagnostics = std::move(sink.diagnostics);
  parsed.errors = stats.errors + (stats.stopped && stats.errors == 0 ? 1 : 0);
  return parsed;
}

core::Result<std::shared_ptr<const auth::Zone>> build_zone(const std::string& zone,
                                                           const std::vector<Record>& records) {
  auto parsed = parse_records(zone, records);
  if (!parsed) return tl::unexpected(parsed.error());
  if (parsed->errors > 0) {
    std::string reasons;
    std::size_t listed = 0;
    for (const auto& d : parsed->diagnostics) {
      if (d.severity != dns::zone::Severity::error || ++listed > 5) continue;
      std::string which = fmt::format("line {}", d.line);
      if (d.line >= 1 && d.line <= records.size()) {
        const auto& r = records[d.line - 1];
        which = fmt::format("record {} ({} {})", r.id, r.name, r.type);
      }
      reasons.append(
          fmt::format("{}{}: {} [{}]", reasons.empty() ? "" : "; ", which, d.message, d.code));
    }
    if (listed > 5) reasons.append(fmt::format("; and {} more", listed - 5));
    if (reasons.empty()) reasons = "the records could not be read whole";
    return core::fail(fmt::format("zone {}: {}", zone, reasons));
  }
  auto built = auth::Zone::build(*dns::Name::from_text(zone), std::move(parsed->table));
  if (!built) return core::fail(fmt::format("zone {}: {}", zone, built.error().message));
  return *built;
}

}  // namespace mxkit::console
