// `mxkit zone check` (parse + semantic checks) and `mxkit zone print` (canonical records).
#include "cli/zone_command.hpp"

#include <cstdio>
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
    CollectingSink sink;
    auto stats = dns::zone::parse_zone_file(file, options, sink);
    auto findings = sink.diagnostics;
    if (!stats.stopped) {
      auto checks = dns::zonecheck::check_zone(sink.records, options.origin.wire(),
                                               !o.origin.empty(), file);
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
  CollectingSink sink;
  auto stats = dns::zone::parse_zone_file(o.files.at(0), options, sink);
  for (const auto& d : sink.diagnostics)
    std::fprintf(stderr, "%s\n", dns::zone::format_diagnostic(d).c_str());
  if (stats.errors > 0 || stats.stopped) return 1;
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
  check->add_option("--origin", options->origin, "Zone origin (default: the root, or $ORIGIN)");
  check->add_flag("--json", options->json, "Findings as JSON");
  check->add_option("files", options->files, "Zone files")->required();
  check->callback([options, &exit_code] { exit_code = run_check(*options); });

  auto* print = zone->add_subcommand(
      "print", "Print a zone's records in canonical presentation format, one a line");
  print->add_option("--origin", options->origin, "Zone origin (default: the root, or $ORIGIN)");
  print->add_option("file", options->files, "Zone file")->required()->expected(1);
  print->callback([options, &exit_code] { exit_code = run_print(*options); });
}

}  // namespace mxkit::cli
