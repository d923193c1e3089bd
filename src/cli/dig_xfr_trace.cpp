// +trace as JSON (see dig_output.hpp).
#include <fmt/format.h>

#include "cli/dig_output.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::cli::dig {

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
