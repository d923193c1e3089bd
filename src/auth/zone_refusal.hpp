// The rules that keep a zone file from being served (issue 11), applied at start and on every
// reload before a zone is accepted, as BIND and NSD refuse a zone their checks find broken: a
// zone that answers wrongly (a CNAME beside other data, an MX pointing at an alias, glue
// missing below a cut, …) is worse than one that is not served.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/server.hpp"
#include "core/result.hpp"
#include "dns/name.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::auth {

// Errors listed per zone before the rest are only counted (`mxkit zone check` lists them all).
inline constexpr std::size_t kRefusalsListed = 5;

// Why the parsed zone `records` may not be served at `origin`, one line each; empty when it
// may. An SOA that is not at `origin` is the one reason given (every record would then be out
// of the zone): the line says where the file's SOA is and what its owner is. Otherwise every
// finding of severity error from the zone checks (src/dns/zonecheck), the first
// kRefusalsListed in file order and then how many more.
// With `served_despite` (zone_checks = "warn"), the error findings go there instead and only an
// SOA away from the origin refuses the zone.
std::vector<std::string> zone_refusals(const dns::zone::RecordTable& records,
                                       const dns::Name& origin, std::string_view file,
                                       std::vector<std::string>* served_despite = nullptr);

// The same origin given twice (two --zone, two [[dns.zone]] tables) is refused, as BIND, Knot
// and NSD refuse it, naming both places (ZoneSource::where); a secondary's several primaries
// are one source.
core::Result<void> check_distinct_origins(const std::vector<ZoneSource>& sources);

// Where a source was given, for messages: its `where`, else its file.
std::string source_place(const ZoneSource& source);

}  // namespace mxkit::auth
