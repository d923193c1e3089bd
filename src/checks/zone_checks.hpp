// The zone-content area of `mxkit check`: the zone checks of `mxkit zone check`
// (src/dns/zonecheck, docs/zone-checks.md) over a zone file or a transferred zone, as findings.
#pragma once

#include <string>
#include <vector>

#include "checks/finding.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"
#include "dns/zone/parser.hpp"

namespace mxkit::checks {

// Parses `file` with `origin` as its initial $ORIGIN and runs the zone checks; parse errors are
// findings too (code as the parser gives it). A file that cannot be read is one error finding.
std::vector<Finding> check_zone_file(const std::string& file, const dns::Name& origin);

// The same checks over records read some other way (an AXFR), `source` naming where from
// ("AXFR from 127.0.0.4") as the findings' subject.
std::vector<Finding> check_zone_records(const std::vector<dns::Record>& records,
                                        const dns::Name& origin, const std::string& source);

// The parser's and the zone checks' diagnostics as findings, one each in the same order
// (subject "FILE:LINE"); the console's Test button turns its records' into findings so.
std::vector<Finding> diagnostic_findings(const std::vector<dns::zone::Diagnostic>& diagnostics);

}  // namespace mxkit::checks
