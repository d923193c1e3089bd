// Records in the article's columns ↔ zone file text. Every conversion goes through our zone
// parser (src/dns/zone): a value is accepted exactly when the parser accepts it as the rdata of
// its type, and is kept as the parser's rdata prints back (so "mail" in example.test. is kept
// as "mail.example.test.", "10 MAIL.example.test." as priority 10, "MAIL.example.test.").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "console/store.hpp"
#include "core/result.hpp"
#include "dns/name.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::console {

// A refusal naming the JSON field it concerns ("name", "ttl", "type", "priority", "value",
// "zone_text") and, for the validation report, its finding code ("bad-value", …).
struct FieldError {
  std::string field;
  std::string code;
  std::string message;
};

// "example.test", "Example.Test." → example.test. (lowercased, absolute).
core::Result<dns::Name> parse_zone_name(std::string_view text);

// The record as one zone file line: "mail.example.test. 3600 IN MX 10 mx1.example.test.".
std::string record_line(const Record& record);

// Checks one record against the zone parser and returns it in the stored form: the owner
// absolute and lowercased (relative names and "@" are taken relative to `zone`), the type's
// mnemonic as the parser prints it, the priority split out for MX and SRV, the value as the
// parsed rdata prints. The id is kept. Names outside `zone` are not refused here (validation
// reports them as out-of-zone with the rest of the findings).
tl::expected<Record, FieldError> normalize_record(const Record& record, const dns::Name& zone);

// The records of a parsed table in the stored form (ids 0).
std::vector<Record> records_from_table(const dns::zone::RecordTable& table);

// BIND-format text (RFC 1035 §5, $ORIGIN defaulting to `zone`, $TTL to 3600) → records. The
// first parse error refuses the whole text, with its line and column.
tl::expected<std::vector<Record>, FieldError> records_from_zone_text(std::string_view text,
                                                                     const dns::Name& zone);

// The zone as a zone file: $ORIGIN and $TTL lines, then the SOA, then the rest by name and
// type, one record per line.
std::string export_zone_text(const Zone& zone, const std::vector<Record>& records);

// The SOA's value with its serial field (the third) replaced.
std::string soa_with_serial(std::string_view soa_value, std::uint32_t serial);
// The serial field of an SOA value; nullopt when the value has no such field.
std::optional<std::uint32_t> soa_serial(std::string_view soa_value);

inline constexpr std::uint32_t kDefaultTtl = 3600;

}  // namespace mxkit::console
