// Loading zones from their files: one zone (parse, refusal rules, build) and a server's whole
// list, sharing unchanged zones with the previous load (zone_files.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "auth/server.hpp"
#include "auth/zone_refusal.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::auth {

// Reads a zone file and builds the zone, or says why not in `reasons`. With `check`, the
// refusal rules (zone_refusal.hpp) come first: a zone we are primary for is served only when
// they pass. A secondary's kept copy is the primary's data, taken as a transfer would bring it.
LoadedZone load_zone(const ZoneSource& source, ZoneChecks checks, std::vector<std::string>& reasons,
                     std::vector<std::string>* served_despite) {
  LoadedZone loaded;
  // Stamped before reading: a file changed while it is read looks changed at the next reload.
  loaded.files.push_back(stamp_file(source.file));
  dns::zone::CollectingSink sink;
  dns::zone::ParseOptions options;
  options.origin = source.origin;
  // The read buffer in proportion to the file: a 1 MiB buffer for each of 100,000 small files,
  // freed between small allocations that live on, fragments the heap by some KiB a zone.
  options.read_chunk = std::clamp<std::size_t>(loaded.files.front().size + 1, std::size_t{16} << 10,
                                               options.read_chunk);
  // A zone that cannot have its memory is an error naming it, like any other reason not to
  // load it; the other zones and the server go on (ulimit -v, a full machine).
  try {
    sink.records.reserve_for_file(loaded.files.front().size);
    auto stats = dns::zone::parse_zone_file(source.file, options, sink);
    if (stats.errors > 0 || stats.stopped) {
      std::size_t errors = 0;
      for (const auto& d : sink.diagnostics)
        if (d.severity == dns::zone::Severity::error && ++errors <= kRefusalsListed)
          reasons.push_back(dns::zone::format_diagnostic(d));
      if (errors > kRefusalsListed)
        reasons.push_back(fmt::format("and {} more errors", errors - kRefusalsListed));
      if (reasons.empty()) reasons.push_back("the file could not be read whole");
      return {};
    }
    if (checks != ZoneChecks::off) {
      reasons = zone_refusals(sink.records, source.origin, source.file.string(),
                              checks == ZoneChecks::warn ? served_despite : nullptr);
      if (!reasons.empty()) return {};
    }
    stamp_included_files(sink.records, source.file.string(), loaded.files);
    auto zone = Zone::build(source.origin, std::move(sink.records));
    if (!zone) {
      reasons.push_back(fmt::format("{}: {}", source.file.string(), zone.error().message));
      return {};
    }
    loaded.zone = std::move(*zone);
  } catch (const std::bad_alloc&) {
    reasons.push_back(fmt::format("{}: out of memory", source.file.string()));
    return {};
  } catch (const std::length_error& e) {
    reasons.push_back(fmt::format("{}: {}", source.file.string(), e.what()));
    return {};
  }
  return loaded;
}

std::string format_refused(const RefusedZone& refused, std::string_view separator) {
  std::string text = fmt::format("zone {} ({})", refused.origin.to_text(), refused.place);
  if (!refused.reasons.empty()) text.push_back(':');
  const bool one_line = separator.find('\n') == std::string_view::npos;
  for (std::size_t i = 0; i < refused.reasons.size(); ++i) {
    text.append(i == 0 && one_line ? std::string_view(" ") : separator);
    text.append(refused.reasons[i]);
  }
  return text;
}

LoadedZones load_zones(const std::vector<ZoneSource>& sources, const LoadedZones* previous,
                       ZoneChecks checks) {
  LoadedZones result;
  result.zones.resize(sources.size());
  auto set = std::make_shared<ZoneSet>();
  set->reserve(sources.size());
  // `previous` was loaded from the same sources (the list does not change while serving), so
  // zone i there is zone i here.
  const bool same_sources = previous && previous->zones.size() == sources.size();
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& source = sources[i];
    if (!source.primaries.empty()) continue;  // a secondary: its zone comes by transfer
    if (same_sources && files_unchanged(previous->zones[i])) {
      result.zones[i] = previous->zones[i];  // shared: the old and new sets hold one copy
      ++result.kept;
    } else {
      std::vector<std::string> reasons, served_despite;
      result.zones[i] = load_zone(source, checks, reasons, &served_despite);
      ++result.reread;
      if (!served_despite.empty())
        result.warned.push_back({source.origin, source_place(source), std::move(served_despite)});
      if (!result.zones[i].zone) {
        // Refused: the copy served so far, if any, goes on serving (its old stamps make the
        // next reload read the file again); without one the zone answers SERVFAIL.
        const bool copy = same_sources && previous->zones[i].zone;
        if (copy)
          result.zones[i] = previous->zones[i];
        else
          set->add_unavailable(source.origin);
        result.refused.push_back({source.origin, source_place(source), std::move(reasons), copy});
        if (!copy) continue;
      }
    }
    set->add(result.zones[i].zone);
  }
  result.set = std::move(set);
  return result;
}

}  // namespace mxkit::auth
