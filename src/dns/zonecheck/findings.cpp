// The table of finding codes, and turning findings into diagnostics.
#include "dns/zonecheck/findings.hpp"

#include <algorithm>
#include <array>

namespace mxkit::dns::zonecheck {

namespace {

using zone::Severity;

// Indexed by Code. The texts are a contract (scripts match on them): never rename one.
constexpr std::array<CodeInfo, 21> kCodes = {{
    {"no-soa", Severity::error},
    {"multiple-soa", Severity::error},
    {"soa-not-at-apex", Severity::error},
    {"soa-serial-zero", Severity::warning},
    {"no-apex-ns", Severity::error},
    {"out-of-zone", Severity::error},
    {"cname-and-other-data", Severity::error},
    {"multiple-cname", Severity::error},
    {"multiple-dname", Severity::error},
    {"below-dname", Severity::error},
    {"target-is-alias", Severity::error},
    {"target-is-ip-literal", Severity::error},
    {"target-no-address", Severity::error},
    {"bad-hostname", Severity::warning},
    {"null-mx-mixed", Severity::error},
    {"null-mx-preference", Severity::warning},
    {"ttl-mismatch", Severity::warning},
    {"duplicate-record", Severity::warning},
    {"missing-glue", Severity::error},
    {"occluded-data", Severity::warning},
    {"ds-not-at-delegation", Severity::warning},
}};
static_assert(kCodes.size() == static_cast<std::size_t>(Code::ds_not_at_delegation) + 1);

}  // namespace

CodeInfo code_info(Code code) { return kCodes[static_cast<std::size_t>(code)]; }

void Findings::at(Code code, std::uint32_t entry, std::string message) {
  pending_.push_back({entry, code, std::move(message)});
}

void Findings::at_zone(Code code, std::string message) {
  pending_.push_back({table_.size() > 0 ? 0 : kNoRecord, code, std::move(message)});
}

std::vector<zone::Diagnostic> Findings::take() {
  auto key = [this](const Pending& p) {
    if (p.entry == kNoRecord) return std::pair<std::uint32_t, std::uint32_t>{0, 0};
    const auto& e = table_.entry(p.entry);
    return std::pair<std::uint32_t, std::uint32_t>{e.file, e.line};
  };
  std::stable_sort(pending_.begin(), pending_.end(),
                   [&](const Pending& a, const Pending& b) { return key(a) < key(b); });
  std::vector<zone::Diagnostic> out;
  out.reserve(pending_.size());
  for (auto& p : pending_) {
    auto info = code_info(p.code);
    zone::Diagnostic d;
    if (p.entry == kNoRecord) {
      d.file = std::string(zone_file_);
      d.line = 1;
    } else {
      const auto& e = table_.entry(p.entry);
      d.file = std::string(table_.file(e));
      d.line = e.line;
    }
    d.column = 1;  // a record's own column is not kept; its line is what points at it
    d.severity = info.severity;
    d.code = std::string(info.text);
    d.message = std::move(p.message);
    out.push_back(std::move(d));
  }
  pending_.clear();
  return out;
}

std::string Findings::where(std::uint32_t entry, std::uint32_t anchor) const {
  const auto& e = table_.entry(entry);
  if (e.file == table_.entry(anchor).file) return "line " + std::to_string(e.line);
  return std::string(table_.file(e)) + ":" + std::to_string(e.line);
}

std::string quoted(WireName name) {
  std::string out = "\"";
  append_name_text(name, out);
  out += '"';
  return out;
}

}  // namespace mxkit::dns::zonecheck
