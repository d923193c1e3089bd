// What the zone checks find: one stable code per kind of problem, each with its severity
// (docs/zone-checks.md lists them with the RFC they rest on), placed at the record that shows it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::dns::zonecheck {

enum class Code : std::uint8_t {
  no_soa,
  multiple_soa,
  soa_not_at_apex,
  soa_serial_zero,
  no_apex_ns,
  out_of_zone,
  cname_and_other_data,
  multiple_cname,
  multiple_dname,
  below_dname,
  target_is_alias,
  target_is_ip_literal,
  target_no_address,
  bad_hostname,
  null_mx_mixed,
  null_mx_preference,
  ttl_mismatch,
  duplicate_record,
  missing_glue,
  occluded_data,
  ds_not_at_delegation,
};

struct CodeInfo {
  std::string_view text;  // as printed in brackets: "no-soa"
  zone::Severity severity;
};

CodeInfo code_info(Code code);

class Findings {
 public:
  // `zone_file` names the zone when there is no record to place a finding at (an empty file).
  Findings(const zone::RecordTable& table, std::string_view zone_file)
      : table_(table), zone_file_(zone_file) {}

  // A finding at record `entry`'s file and line.
  void at(Code code, std::uint32_t entry, std::string message);
  // A finding about the zone as a whole: at its first record, or line 1 of an empty file.
  void at_zone(Code code, std::string message);

  // The findings in file order (files as they were read, then lines), as diagnostics.
  std::vector<zone::Diagnostic> take();

  // "line 12" for a record in the same file as `anchor`, else "other.db:12".
  std::string where(std::uint32_t entry, std::uint32_t anchor) const;

 private:
  static constexpr std::uint32_t kNoRecord = ~std::uint32_t{0};
  struct Pending {
    std::uint32_t entry;
    Code code;
    std::string message;
  };
  const zone::RecordTable& table_;
  std::string_view zone_file_;
  std::vector<Pending> pending_;
};

// A name in presentation form, quoted: "\"mail.example.\"".
std::string quoted(WireName name);

}  // namespace mxkit::dns::zonecheck
