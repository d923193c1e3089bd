#include "console/validate.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "checks/ns_checks.hpp"  // kLongMxTtl: one threshold for `mxkit check` and the console
#include "dns/zone/parser.hpp"
#include "dns/zonecheck/zonecheck.hpp"

namespace mxkit::console {
namespace {

// Which JSON field a zone check's finding is about: where the UI shows it.
std::string_view field_of(std::string_view code) {
  static const std::map<std::string_view, std::string_view> kFields = {
      {"target-is-ip-literal", "value"},
      {"target-is-alias", "value"},
      {"target-no-address", "value"},
      {"bad-hostname", "value"},
      {"missing-glue", "value"},
      {"null-mx-mixed", "value"},
      {"duplicate-record", "value"},
      {"null-mx-preference", "priority"},
      {"ttl-mismatch", "ttl"},
      {"cname-and-other-data", "type"},
      {"multiple-cname", "type"},
      {"multiple-dname", "type"},
      {"no-soa", "type"},
      {"multiple-soa", "type"},
      {"no-apex-ns", "type"},
      {"soa-serial-zero", "value"},
      {"out-of-zone", "name"},
      {"below-dname", "name"},
      {"occluded-data", "name"},
      {"soa-not-at-apex", "name"},
      {"ds-not-at-delegation", "name"},
  };
  const auto it = kFields.find(code);
  return it == kFields.end() ? std::string_view("name") : it->second;
}

Finding finding(std::string code, std::string message, std::string field,
                std::optional<Record> record = std::nullopt,
                std::optional<std::size_t> index = std::nullopt) {
  return Finding{
      std::move(code), std::move(message), std::move(field), std::move(record), index, {}};
}

// RFC 5321 §5.1: MX records of equal preference are tried in random order, so they share the
// load; often meant, sometimes a typo for a backup's higher number. Said, never blocking.
void equal_priorities(const std::vector<Record>& records, Findings& out) {
  std::map<std::pair<std::string, std::uint16_t>, const Record*> first;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (r.type != "MX" || !r.priority || r.value == ".") continue;
    auto [it, fresh] = first.emplace(std::pair{r.name, *r.priority}, &r);
    if (!fresh && it->second->value != r.value)
      out.notices.push_back(
          finding("mx-equal-priority",
                  fmt::format("{} and {} both have priority {} at {}: senders pick between them at "
                              "random, sharing the load",
                              it->second->value, r.value, *r.priority, r.name),
                  "priority", r, i));
  }
}

// RFC 1912 §2.2: a long MX TTL makes a change of mail servers slow to reach senders.
void long_mx_ttls(const std::vector<Record>& records, Findings& out) {
  for (std::size_t i = 0; i < records.size(); ++i)
    if (const Record& r = records[i]; r.type == "MX" && r.ttl > checks::kLongMxTtl)
      out.warnings.push_back(finding(
          "mx-ttl-long",
          fmt::format("the MX TTL is {} s ({:.1f} days): a change of mail servers takes that long "
                      "to reach every sender; a day or less is usual",
                      r.ttl, r.ttl / 86400.0),
          "ttl", r, i));
}

// The target of an MX, NS or SRV value as stored (absolute): its last field ("mx.example.net."
// for MX and NS, "weight port target" for SRV, RFC 2782). Empty for other types.
std::string target_of(const Record& r) {
  if (r.type != "MX" && r.type != "NS" && r.type != "SRV") return {};
  const auto space = r.value.find_last_of(" \t");
  std::string target = space == std::string::npos ? r.value : r.value.substr(space + 1);
  for (auto& c : target) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return target;
}

bool outside(const dns::Name& zone, const std::string& target) {
  if (target.empty() || target == ".") return false;
  // An address written as a name is target-is-ip-literal's already; nothing to look up.
  if (target.find_first_not_of("0123456789.") == std::string::npos ||
      target.find(':') != std::string::npos)
    return false;
  auto name = dns::Name::from_text(target);
  return name && !name->is_subdomain_of(zone);
}

// RFC 5321 §5.1 (MX), RFC 2181 §10.3 (NS), RFC 2782 (SRV): a target must have an address. For
// names outside the zone only a lookup can tell; its answer is the edge's (target_lookup).
void outside_addresses(const dns::Name& zone, const std::vector<Record>& records,
                       const TargetAddresses& targets, Findings& out) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    const std::string target = target_of(r);
    if (!outside(zone, target)) continue;
    const auto found = targets.find(target);
    if (found == targets.end()) continue;
    const auto& [state, detail] = found->second;
    if (state == TargetAddress::State::no_address)
      out.warnings.push_back(finding(
          "target-no-address",
          fmt::format("the {} target {} is outside the zone and has no A or AAAA record ({}): "
                      "nothing can connect to it until it has one",
                      r.type, target, detail),
          "value", r, i));
    else if (state == TargetAddress::State::unverified)
      out.notices.push_back(finding(
          "target-not-verified",
          fmt::format("the {} target {} is outside the zone and its address could not be looked "
                      "up ({}): not verified",
                      r.type, target, detail),
          "value", r, i));
  }
}

}  // namespace

std::vector<std::string> outside_targets(const dns::Name& zone,
                                         const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    std::string target = target_of(r);
    if (outside(zone, target) && std::find(out.begin(), out.end(), target) == out.end())
      out.push_back(std::move(target));
  }
  return out;
}

tl::expected<Record, Finding> check_draft(const RecordDraft& draft, const dns::Name& zone) {
  auto refuse = [](std::string code, std::string message, std::string field) {
    return tl::unexpected(finding(std::move(code), std::move(message), std::move(field)));
  };
  // RFC 1035 §3.3.9 (MX PREFERENCE) and RFC 2782 (SRV Priority) are 16-bit unsigned.
  if (draft.priority && (*draft.priority < 0 || *draft.priority > 65535))
    return refuse("priority-range",
                  fmt::format("the priority {} is outside 0–65535", *draft.priority), "priority");
  if (draft.ttl && (*draft.ttl < 0 || *draft.ttl > kMaxTtl))
    return refuse("ttl-range", fmt::format("the TTL {} is outside 0–{}", *draft.ttl, kMaxTtl),
                  "ttl");
  Record r;
  r.id = draft.id;
  r.name = draft.name;
  r.ttl = draft.ttl ? static_cast<std::uint32_t>(*draft.ttl) : kDefaultTtl;
  r.type = draft.type;
  if (draft.priority) r.priority = static_cast<std::uint16_t>(*draft.priority);
  r.value = draft.value;
  auto normal = normalize_record(r, zone);
  if (!normal) return refuse(normal.error().code, normal.error().message, normal.error().field);
  return *normal;
}

Findings check_zone_records(const dns::Name& zone, const std::vector<Record>& records,
                            const TargetAddresses* targets) {
  Findings out;
  // The zone as text, one record per line, so line N is records[N-1]: the zone checks place
  // each finding at a line and so at its record.
  std::string text;
  for (const auto& r : records) {
    text += record_line(r);
    text += '\n';
  }
  dns::zone::ParseOptions options;
  options.origin = zone;
  options.default_ttl = kDefaultTtl;
  options.max_include_depth = 0;
  dns::zone::CollectingSink sink;
  dns::zone::parse_zone_text(text, "zone", options, sink);
  auto index_at = [&](std::uint32_t line) -> std::optional<std::size_t> {
    if (line == 0 || line > records.size()) return std::nullopt;
    return line - 1;
  };
  auto record_at = [&](std::uint32_t line) -> std::optional<Record> {
    if (auto i = index_at(line)) return records[*i];
    return std::nullopt;
  };
  // Stored records were each parsed when they came in, so the zone parses; a record that does
  // not (stored by an older mxkit with a looser parser) is reported, not skipped.
  for (const auto& d : sink.diagnostics)
    if (d.severity == dns::zone::Severity::error)
      out.errors.push_back(
          finding("bad-value", d.message, "value", record_at(d.line), index_at(d.line)));
  for (auto& d : dns::zonecheck::check_zone(sink.records, zone.wire(), true, "zone")) {
    auto f = finding(d.code, d.message, std::string(field_of(d.code)), record_at(d.line),
                     index_at(d.line));
    (d.severity == dns::zone::Severity::error ? out.errors : out.warnings).push_back(std::move(f));
  }
  long_mx_ttls(records, out);
  equal_priorities(records, out);
  if (targets) outside_addresses(zone, records, *targets, out);
  return out;
}

}  // namespace mxkit::console
