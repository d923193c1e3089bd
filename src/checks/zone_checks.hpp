// The zone-content area of `mxkit check`: the zone checks of `mxkit zone check`
// (src/dns/zonecheck, docs/zone-checks.md) over a zone file, as findings.
#pragma once

#include <string>
#include <vector>

#include "checks/finding.hpp"
#include "dns/name.hpp"
#include "dns/zone/parser.hpp"

namespace mxkit::checks {

// Parses `file` with `origin` as its initial $ORIGIN and runs the zone checks; parse errors are
// findings too (code as the parser gives it). A file that cannot be read is one error finding.
std::vector<Finding> check_zone_file(const std::string& file, const dns::Name& origin);

// The parser's and the zone checks' diagnostics as findings, one each in the same order
// (subject "FILE:LINE"); the console's Test button turns its records' into findings so.
std::vector<Finding> diagnostic_findings(const std::vector<dns::zone::Diagnostic>& diagnostics);

}  // namespace mxkit::checks
