#include "console/records.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"

namespace mxkit::console {
namespace {

bool has_priority(std::string_view type) { return type == "MX" || type == "SRV"; }

// Splits the printed rdata of an MX (RFC 1035 §3.3.9: preference, exchange) or SRV (RFC 2782:
// priority, weight, port, target) into the priority and the rest.
void split_priority(Record& r) {
  if (!has_priority(r.type)) return;
  const auto space = r.value.find(' ');
  if (space == std::string::npos) return;
  std::uint16_t p = 0;
  const auto* first = r.value.data();
  if (std::from_chars(first, first + space, p).ec != std::errc{}) return;  // \# generic form
  r.priority = p;
  r.value.erase(0, space + 1);
}

Record record_of(const dns::zone::RecordTable& table, const dns::zone::RecordTable::Entry& e) {
  Record r;
  r.name = dns::Name::from_wire(table.owner(e)).lowercase().to_text();
  r.ttl = e.ttl;
  r.type = dns::type_to_text(e.type);
  dns::append_rdata_text(e.type, table.rdata(e), r.value);
  split_priority(r);
  return r;
}

dns::zone::ParseOptions options_for(const dns::Name& zone) {
  dns::zone::ParseOptions options;
  options.origin = zone;
  options.default_ttl = kDefaultTtl;
  options.max_errors = 1;
  options.max_include_depth = 0;  // text from a client never reads our files
  return options;
}

std::string first_error(const std::vector<dns::zone::Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    if (d.severity == dns::zone::Severity::error) return d.message;
  return {};
}

}  // namespace

core::Result<dns::Name> parse_zone_name(std::string_view text) {
  if (text.empty()) return core::fail("the zone name is empty");
  std::string absolute(text);
  if (absolute.back() != '.') absolute.push_back('.');
  auto name = dns::Name::from_text(absolute);
  if (!name)
    return core::fail(fmt::format("\"{}\" is not a domain name: {}", text, name.error().message));
  if (name->is_root()) return core::fail("the root cannot be a console zone");
  return name->lowercase();
}

std::string record_line(const Record& r) {
  if (r.priority)
    return fmt::format("{} {} IN {} {} {}", r.name, r.ttl, r.type, *r.priority, r.value);
  return fmt::format("{} {} IN {} {}", r.name, r.ttl, r.type, r.value);
}

tl::expected<Record, FieldError> normalize_record(const Record& in, const dns::Name& zone) {
  auto fail = [](std::string field, std::string code, std::string message) {
    return tl::unexpected(FieldError{std::move(field), std::move(code), std::move(message)});
  };
  if (in.name.empty())
    return fail("name", "bad-name", "the name is empty (\"@\" is the zone's apex)");
  auto owner = dns::Name::from_text(in.name, zone);
  if (!owner)
    return fail("name", "bad-name", fmt::format("\"{}\": {}", in.name, owner.error().message));
  const auto code = dns::type_from_text(in.type);
  if (!code) return fail("type", "bad-type", fmt::format("\"{}\" is not a record type", in.type));
  // Types that only travel in messages (RFC 6891 OPT, RFC 8945 TSIG, the query types) are not
  // zone data.
  if (*code == dns::rrtype::OPT || (*code >= dns::rrtype::TKEY && *code <= dns::rrtype::ANY))
    return fail("type", "bad-type", fmt::format("{} records cannot be stored in a zone", in.type));
  Record r = in;
  r.name = owner->lowercase().to_text();
  r.type = dns::type_to_text(*code);
  if (has_priority(r.type) && !r.priority)
    return fail("priority", "bad-value", fmt::format("an {} record needs a priority", r.type));
  if (!has_priority(r.type) && r.priority)
    return fail("priority", "bad-value",
                fmt::format("only MX and SRV records have a priority, not {}", r.type));
  // One line, one record: a line break or a parenthesis could smuggle in a second record or a
  // directive, so a value is refused outright when it holds one.
  if (r.value.find_first_of("\r\n") != std::string::npos)
    return fail("value", "bad-value", "the value holds a line break");
  if (r.value.find_first_not_of(" \t") == std::string::npos)
    return fail("value", "bad-value", "the value is empty");
  dns::zone::CollectingSink sink;
  const auto stats = dns::zone::parse_zone_text(record_line(r), "value", options_for(zone), sink);
  if (stats.errors > 0) return fail("value", "bad-value", first_error(sink.diagnostics));
  if (sink.records.size() != 1)
    return fail("value", "bad-value",
                fmt::format("the value makes {} records, not one", sink.records.size()));
  Record out = record_of(sink.records, sink.records.entry(0));
  out.id = in.id;
  return out;
}

std::vector<Record> records_from_table(const dns::zone::RecordTable& table) {
  std::vector<Record> out;
  out.reserve(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) out.push_back(record_of(table, table.entry(i)));
  return out;
}

tl::expected<std::vector<Record>, FieldError> records_from_zone_text(std::string_view text,
                                                                     const dns::Name& zone) {
  dns::zone::CollectingSink sink;
  const auto stats = dns::zone::parse_zone_text(text, "zone_text", options_for(zone), sink);
  if (stats.errors > 0)
    for (const auto& d : sink.diagnostics)
      if (d.severity == dns::zone::Severity::error)
        return tl::unexpected(
            FieldError{"zone_text", "bad-value", dns::zone::format_diagnostic(d)});
  return records_from_table(sink.records);
}

std::string export_zone_text(const Zone& zone, const std::vector<Record>& records) {
  std::vector<const Record*> order;
  for (const auto& r : records) order.push_back(&r);
  // SOA first (RFC 1035 §5.2: a zone file starts with it), then by name, type and id.
  std::stable_sort(order.begin(), order.end(), [](const Record* a, const Record* b) {
    const bool a_soa = a->type == "SOA", b_soa = b->type == "SOA";
    if (a_soa != b_soa) return a_soa;
    if (a->name != b->name) return a->name < b->name;
    return a->type < b->type;
  });
  std::string out = fmt::format("$ORIGIN {}\n$TTL {}\n", zone.name, kDefaultTtl);
  for (const auto* r : order) {
    out += record_line(*r);
    out += '\n';
  }
  return out;
}

std::string soa_with_serial(std::string_view soa_value, std::uint32_t serial) {
  // mname rname serial refresh retry expire minimum (RFC 1035 §3.3.13); the stored form has
  // single spaces between fields and names print with their spaces escaped.
  std::string out(soa_value);
  const auto first = out.find(' ');
  if (first == std::string::npos) return out;
  const auto second = out.find(' ', first + 1);
  if (second == std::string::npos) return out;
  const auto third = out.find(' ', second + 1);
  out.replace(second + 1, (third == std::string::npos ? out.size() : third) - second - 1,
              std::to_string(serial));
  return out;
}

std::optional<std::uint32_t> soa_serial(std::string_view soa_value) {
  const auto first = soa_value.find(' ');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = soa_value.find(' ', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto field = soa_value.substr(second + 1, soa_value.find(' ', second + 1) - second - 1);
  std::uint32_t serial = 0;
  if (std::from_chars(field.data(), field.data() + field.size(), serial).ec != std::errc{})
    return std::nullopt;
  return serial;
}

}  // namespace mxkit::console
