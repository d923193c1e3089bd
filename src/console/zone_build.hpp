// The console's records as a zone: zone-file text, one record a line, read back by our zone
// parser (src/dns/zone/parser.hpp) so a record means exactly what it means in a zone file,
// then built into the authoritative server's zone. Errors name the record (its id and line).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/zone.hpp"
#include "console/records.hpp"
#include "console/store.hpp"
#include "core/result.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::console {

// Every record a line (records.hpp's record_line), in the order given: line i + 1 is records[i].
std::string records_zone_text(const std::vector<Record>& records);

// The records parsed as the zone `zone` ("example.test."); the parser's diagnostics each
// carry the line of the record (file "console:ZONE").
struct ParsedRecords {
  dns::zone::RecordTable table;
  std::vector<dns::zone::Diagnostic> diagnostics;
  std::size_t errors = 0;
};
core::Result<ParsedRecords> parse_records(const std::string& zone,
                                          const std::vector<Record>& records);

// The zone the DNS role serves for these records; an error names the first records the
// parser refused ("record 12 (mx.example.test. MX): …") or why they are not a zone (no SOA).
core::Result<std::shared_ptr<const auth::Zone>> build_zone(const std::string& zone,
                                                           const std::vector<Record>& records);

}  // namespace mxkit::console
