// `mxkit zone check` (parse + semantic checks) and `mxkit zone print` (canonical records).
#include "cli/zone_command.hpp"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dns/name.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"
#include "dns/zonecheck/zonecheck.hpp"

namespace mxkit::cli {

namespace {

using dns::zone::CollectingSink;
using dns::zone::Diagnostic;
using dns::zone::Severity;

struct ZoneOptions {
  std::string origin;
  std::vector<std::string> files;
  bool json = false;
};

// Origin from --origin, or the root: with neither, a file's $ORIGIN decides.
bool make_parse_options(const ZoneOptions& o, dns::zone::ParseOptions& options) {
  if (o.origin.empty()) return true;
  std::string text = o.origin;
  if (text.back() != '.') text.push_back('.');
  auto name = dns::Name::from_text(text);
  if (!name) {
    std::fprintf(stderr, "mxkit: --origin \"%s\": %s\n", o.origin.c_str(), name.error().message.c_str());
    return false;
  }
  options.origin = *name;
  return true;
}

// True when the file sets its own origin with a $ORIGIN line (RFC 1035 §5.1).
bool has_origin_directive(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t at = line.find_first_not_of(" \t");
    if (at == std::string::npos || line.size() - at < 7 || line[at] != '$') continue;
    std::string word = line.substr(at, 7);
    for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (word == "$ORIGIN") return true;
  }
  return false;
}

// A zone file read for `zone check` / `zone print`. Relative names are relative to the origin
// the loader supplies (RFC 1035 §5.1): --origin, else the file's $ORIGIN. With neither, the
// only name the file gives its zone is the owner of its SOA: when that is written out in full
// the file is read again with it as the origin (and a note says so); when it is relative too
// (an "@" with no origin is the root), a [no-origin] warning says the names hang off the root.
struct ReadZone {
  std::optional<CollectingSink> sink;
  dns::zone::ParseStats stats;
  dns::Name origin;
  bool origin_known = false;  // from --origin or the SOA, not the root by default
  std::vector<Diagnostic> notes;  // the [no-origin] warning, if any
};

ReadZone read_zone(const std::string& file, const ZoneOptions& o,
                   const dns::zone::ParseOptions& options) {
  ReadZone out;
  out.origin = options.origin;
  out.origin_known = !o.origin.empty();
  out.sink.emplace();
  out.stats = dns::zone::parse_zone_file(file, options, *out.sink);
  if (out.origin_known || out.stats.stopped || has_origin_directive(file)) return out;
  const auto& table = out.sink->records;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& e = table.entry(i);
    if (e.type != dns::rrtype::SOA) continue;
    const auto owner = dns::Name::from_wire(table.owner(e));
    if (owner.wire().size() > 1) {
      std::fprintf(stderr, "%s: no $ORIGIN and no --origin: names are read relative to the "
                   "SOA owner %s\n", file.c_str(), owner.to_text().c_str());
      auto again = options;
      again.origin = owner;
      out.origin = owner;
      out.origin_known = true;
      out.sink.emplace();
      out.stats = dns::zone::parse_zone_file(file, again, *out.sink);
    } else {
      Diagnostic d;
      d.file = std::string(table.file(e));
      d.line = e.line;
      d.column = 1;
      d.severity = Severity::warning;
      d.code = "no-origin";
      d.message = "the file has no $ORIGIN and no --origin was given, so its names are "
                  "relative to the root and the SOA is at \".\"; give --origin ZONE";
      out.notes.push_back(std::move(d));
    }
    break;
  }
  return out;
}

nlohmann::json diagnostic_json(const Diagnostic& d) {
  return {{"file", d.file},
          {"line", d.line},
          {"column", d.column},
          {"severity", d.severity == Severity::error ? "error" : "warning"},
          {"code", d.code},
          {"message", d.message}};
}

int run_check(const ZoneOptions& o) {
  dns::zone::ParseOptions options;
  if (!make_parse_options(o, options)) return 2;
  bool any_error = false;
  nlohmann::json zones = nlohmann::json::array();
  for (const auto& file : o.files) {
    auto read = read_zone(file, o, options);
    const auto& sink = *read.sink;
    auto findings = read.notes;
    findings.insert(findings.end(), sink.diagnostics.begin(), sink.diagnostics.end());
    if (!read.stats.stopped) {
      auto checks = dns::zonecheck::check_zone(sink.records, read.origin.wire(),
                                               read.origin_known, file);
      findings.insert(findings.end(), checks.begin(), checks.end());
    }
    std::size_t errors = 0, warnings = 0;
    for (const auto& d : findings) (d.severity == Severity::error ? errors : warnings)++;
    any_error = any_error || errors > 0;
    if (o.json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& d : findings) list.push_back(diagnostic_json(d));
      zones.push_back({{"file", file},
                       {"records", sink.records.size()},
                       {"errors", errors},
                       {"warnings", warnings},
                       {"findings", list}});
    } else {
      for (const auto& d : findings) std::printf("%s\n", dns::zone::format_diagnostic(d).c_str());
      std::printf("%s: %zu records, %zu errors, %zu warnings\n", file.c_str(), sink.records.size(),
                  errors, warnings);
    }
  }
  if (o.json) std::printf("%s\n", nlohmann::json{{"zones", zones}}.dump(2).c_str());
  return any_error ? 1 : 0;
}

int run_print(const ZoneOptions& o) {
  dns::zone::ParseOptions options;
  if (!make_parse_options(o, options)) return 2;
  auto read = read_zone(o.files.at(0), o, options);
  const auto& sink = *read.sink;
  for (const auto& d : read.notes)
    std::fprintf(stderr, "%s\n", dns::zone::format_diagnostic(d).c_str());
  for (const auto& d : sink.diagnostics)
    std::fprintf(stderr, "%s\n", dns::zone::format_diagnostic(d).c_str());
  if (read.stats.errors > 0 || read.stats.stopped) return 1;
  const auto& table = sink.records;
  std::string line;
  // One RRset at a time: RFC 2181 §5.2 gives an RRset one TTL, and like BIND we take the one
  // of its first record in the file (`zone check` warns when they differ). A zone is a set, so
  // an exact repeat of a record is printed once.
  const auto order = table.canonical_order();
  for (std::size_t begin = 0, end = 0; begin < order.size(); begin = end) {
    const auto& head = table.entry(order[begin]);
    std::uint32_t first_in_file = order[begin];
    for (end = begin + 1; end < order.size(); ++end) {
      const auto& e = table.entry(order[end]);
      if (e.type != head.type || !dns::names_equal(table.owner(e), table.owner(head))) break;
      first_in_file = std::min(first_in_file, order[end]);
    }
    const std::uint32_t ttl = table.entry(first_in_file).ttl;
    for (std::size_t i = begin; i < end; ++i) {
      const auto& e = table.entry(order[i]);
      if (i > begin && std::ranges::equal(table.rdata(table.entry(order[i - 1])), table.rdata(e)))
        continue;
      line.clear();
      dns::append_name_text(table.owner(e), line);
      line += '\t';
      line += std::to_string(ttl);
      line += '\t';
      line += dns::class_to_text(e.rclass);
      line += '\t';
      line += dns::type_to_text(e.type);
      line += '\t';
      dns::append_rdata_text(e.type, table.rdata(e), line);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  }
  return 0;
}

}  // namespace

void add_zone_command(CLI::App& app, int& exit_code) {
  auto* zone = app.add_subcommand("zone", "Read, check and print zone files");
  zone->require_subcommand(1);
  auto options = std::make_shared<ZoneOptions>();

  auto* check = zone->add_subcommand(
      "check", "Parse zone files and run the semantic checks; exit 1 if any error");
  check->add_option("--origin", options->origin, "Zone origin (default: the file's $ORIGIN, else the owner of its SOA)");
  check->add_flag("--json", options->json, "Findings as JSON");
  check->add_option("files", options->files, "Zone files")->required();
  check->callback([options, &exit_code] { exit_code = run_check(*options); });

  auto* print = zone->add_subcommand(
      "print", "Print a zone's records in canonical presentation format, one a line");
  print->add_option("--origin", options->origin, "Zone origin (default: the file's $ORIGIN, else the owner of its SOA)");
  print->add_option("file", options->files, "Zone file")->required()->expected(1);
  print->callback([options, &exit_code] { exit_code = run_print(*options); });
}

}  // namespace mxkit::cli
