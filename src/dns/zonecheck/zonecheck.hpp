// Semantic checks of a parsed zone, kept apart from parsing: each finding has a stable code
// (docs/zone-checks.md lists them).
#pragma once

#include <string_view>
#include <vector>

#include "dns/name.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::dns::zonecheck {

// Runs every check over `records`. The apex is `origin` when `origin_given`, otherwise the owner
// of the first SOA record read (or `origin` when there is none). Findings come in file order,
// each at the file and line of the record that shows it; `file` names the zone for a finding no
// record can carry (an empty zone has no SOA).
// With `errors_only`, the checks that can find only warnings (check_rrsets: TTLs and repeats)
// are skipped: a server deciding whether to load a zone (issue 11) needs the errors alone.
std::vector<zone::Diagnostic> check_zone(const zone::RecordTable& records, WireName origin,
                                         bool origin_given, std::string_view file = {},
                                         bool errors_only = false);

}  // namespace mxkit::dns::zonecheck
