// Semantic checks of a parsed zone, kept apart from parsing: each finding has a stable code.
#pragma once

#include <vector>

#include "dns/name.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::dns::zonecheck {

// Runs every check over `records`. The apex is `origin` when `origin_given`, otherwise the owner
// of the first SOA record (or `origin` when there is none).
std::vector<zone::Diagnostic> check_zone(const zone::RecordTable& records, WireName origin,
                                         bool origin_given);

}  // namespace mxkit::dns::zonecheck
