// The end of a zone transfer's record stream, and +trace as JSON (see dig_output.hpp).
#include <fmt/format.h>

#include "cli/dig_output.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::cli::dig {

namespace {

// The SERIAL field of SOA rdata (RFC 1035 §3.3.13): after the two names, uncompressed here.
std::optional<std::uint32_t> soa_serial(const std::vector<std::uint8_t>& rdata) {
  std::size_t at = 0;
  for (int name = 0; name < 2; ++name) {
    while (at < rdata.size() && rdata[at] != 0) at += std::size_t{rdata[at]} + 1;
    if (at >= rdata.size()) return std::nullopt;
    ++at;  // the root label
  }
  if (at + 4 > rdata.size()) return std::nullopt;
  return (std::uint32_t{rdata[at]} << 24) | (std::uint32_t{rdata[at + 1]} << 16) |
         (std::uint32_t{rdata[at + 2]} << 8) | rdata[at + 3];
}

// RFC 1982 serial arithmetic: is `a` newer than `b`?
bool serial_newer(std::uint32_t a, std::uint32_t b) {
  return a != b && static_cast<std::uint32_t>(a - b) < 0x80000000u;
}

}  // namespace

core::Result<void> XfrProgress::take(const dns::Record& record) {
  if (done_) return core::fail("a record after the end of the transfer");
  ++records_;
  std::optional<std::uint32_t> serial;
  if (record.type == dns::rrtype::SOA) {
    serial = soa_serial(record.rdata);
    if (!serial) return core::fail("a malformed SOA record");
  }
  if (records_ == 1) {
    if (!serial) return core::fail("the transfer does not begin with the zone's SOA");
    first_serial_ = *serial;
    // RFC 1995 §4: a client as new as the server gets the server's SOA alone.
    if (ixfr_serial_ && !serial_newer(first_serial_, *ixfr_serial_)) done_ = true;
    return {};
  }
  if (!serial) return {};
  if (*serial == first_serial_) {
    // The closing SOA, unless differences are being sent: there the new SOA opens the last
    // additions first (RFC 1995 §4) and the transfer ends at its second repeat.
    ++repeats_;
    done_ = !incremental_ || repeats_ == 2;
    return {};
  }
  if (records_ == 2 && ixfr_serial_) incremental_ = true;  // an older SOA: the first deletions
  return {};
}

std::string trace_json_text(const dns::Question& question, const TraceStart& start,
                            const resolver::Resolution& resolution,
                            const std::map<std::string, std::string>& names) {
  nlohmann::ordered_json j;
  j["question"] = {{"name", question.name.to_text()}, {"type", dns::type_to_text(question.type)}};
  nlohmann::ordered_json roots = nlohmann::ordered_json::array();
  for (const auto& record : start.records) roots.push_back(record_json(record));
  j["roots"] = {{"source", start.source}, {"records", std::move(roots)}};
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& step : resolution.trace) {
    nlohmann::ordered_json s;
    // TraceStep names a server "IP:PORT" or "[IPv6]:PORT" (or "cache").
    std::string address = step.server;
    std::optional<unsigned> port;
    if (const auto colon = step.server.rfind(':');
        colon != std::string::npos && step.server != "cache") {
      address = step.server.substr(0, colon);
      port = static_cast<unsigned>(std::stoul(step.server.substr(colon + 1)));
      if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    }
    const auto named = names.find(address);
    s["server"] = address;
    s["port"] = port ? nlohmann::ordered_json(*port) : nlohmann::ordered_json(nullptr);
    s["server_name"] = !step.server_name.is_root()
                           ? nlohmann::ordered_json(step.server_name.to_text())
                       : named != names.end() ? nlohmann::ordered_json(named->second)
                                              : nlohmann::ordered_json(nullptr);
    s["name"] = step.qname.to_text();
    s["type"] = dns::type_to_text(step.qtype);
    s["zone"] =
        step.zone.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(step.zone);
    s["result"] = step.outcome;
    constexpr std::string_view kReferral = "referral to ";
    s["referral"] = step.outcome.starts_with(kReferral)
                        ? nlohmann::ordered_json(step.outcome.substr(kReferral.size()))
                        : nlohmann::ordered_json(nullptr);
    const bool replied = step.reply_size > 0;
    s["rcode"] =
        replied ? nlohmann::ordered_json(rcode_text(step.rcode)) : nlohmann::ordered_json(nullptr);
    s["ms"] = replied ? nlohmann::ordered_json(static_cast<double>(step.elapsed.count()) / 1000.0)
                      : nlohmann::ordered_json(nullptr);
    s["bytes"] = step.reply_size;
    s["tcp"] = step.over_tcp;
    nlohmann::ordered_json records = nlohmann::ordered_json::array();
    for (const auto& record : step.records) records.push_back(record_json(record));
    s["records"] = std::move(records);
    steps.push_back(std::move(s));
  }
  j["steps"] = std::move(steps);
  j["status"] = resolver::status_name(resolution.status);
  j["detail"] = resolution.detail;
  return j.dump(2) + "\n";
}

}  // namespace mxkit::cli::dig
