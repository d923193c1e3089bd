// The report of `mxkit check` as JSON and as text (see check_command.hpp).
#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "cli/check_command.hpp"
#include "cli/route_command.hpp"

namespace mxkit::cli {

namespace {

using nlohmann::json;

json finding_json(const checks::Finding& f) {
  return {{"code", f.code},       {"severity", checks::severity_name(f.severity)},
          {"area", f.area},       {"subject", f.subject},
          {"message", f.message}, {"rfc", f.rfc},
          {"fix", f.fix}};
}

json optional_json(const auto& value) { return value ? json(*value) : json(nullptr); }

json nameservers_json(const checks::NameServerFacts& facts) {
  json servers = json::array();
  for (const auto& s : facts.servers) {
    json answers = json::array();
    for (const auto& a : s.answers)
      answers.push_back({{"address", a.address},
                         {"reachable", a.reachable},
                         {"authoritative", a.authoritative},
                         {"serial", optional_json(a.serial)},
                         {"ns", a.ns},
                         {"mx", a.mx},
                         {"mx_ttl", optional_json(a.mx_ttl)},
                         {"error", a.error}});
    servers.push_back({{"name", s.name},
                       {"in_parent", s.in_parent},
                       {"in_zone", s.in_child},
                       {"glue", s.glue},
                       {"addresses", s.addresses},
                       {"servers", answers}});
  }
  return servers;
}

json smtp_json(const checks::SmtpFacts& s) {
  json certificate = nullptr;
  if (s.certificate) {
    const auto& c = *s.certificate;
    certificate = {{"subject", c.subject},
                   {"issuer", c.issuer},
                   {"names", c.names},
                   {"not_before", c.not_before},
                   {"not_after", c.not_after},
                   {"days_left", c.days_left},
                   {"expired", c.expired},
                   {"name_matches", c.name_matches},
                   {"name_only_in_cn", c.name_only_in_cn},
                   {"chain_verified", c.chain_verified},
                   {"verify_error", c.verify_error},
                   {"sha256", c.sha256},
                   {"spki_sha256", c.spki_sha256}};
  }
  return {{"exchange", s.exchange},
          {"address", s.address},
          {"port", s.port},
          {"connected", s.connected},
          {"error", s.error},
          {"connect_ms", s.connect_ms},
          {"banner", s.banner},
          {"extensions", s.extensions},
          {"starttls", s.starttls_offered},
          {"tls", s.tls},
          {"tls_version", s.tls_version},
          {"tls_cipher", s.tls_cipher},
          {"tls_error", s.tls_error},
          {"certificate", certificate},
          {"postmaster_reply", optional_json(s.postmaster_reply)},
          {"postmaster_text", s.postmaster_text},
          {"relay_reply", optional_json(s.relay_reply)},
          {"relay_text", s.relay_text},
          {"transcript", s.transcript}};
}

json propagation_json(const std::vector<checks::ResolverView>& views) {
  json out = json::array();
  for (const auto& v : views)
    out.push_back({{"resolver", v.resolver},
                   {"answered", v.answered},
                   {"error", v.error},
                   {"rcode", v.rcode},
                   {"mx", v.mx},
                   {"ttl", optional_json(v.ttl)}});
  return out;
}

json dkim_json(const checks::MailAuthFacts& m) {
  json out = json::array();
  for (const auto& k : m.dkim) {
    if (k.lookup.records.empty() && !k.requested) continue;  // common selectors not in use
    json key = nullptr;
    if (k.lookup.key)
      key = {{"type", mailauth::dkim_key_type_name(k.lookup.key->key_type)},
             {"bits", k.lookup.key->key_bits},
             {"revoked", k.lookup.key->revoked}};
    out.push_back({{"selector", k.selector},
                   {"name", k.lookup.name},
                   {"status", mailauth::dns_status_name(k.lookup.status)},
                   {"key", key}});
  }
  return out;
}

// RFC 8461: the _mta-sts records and, when one announced a policy, what the HTTPS fetch saw.
json mta_sts_json(const checks::Report& r) {
  const auto& p = r.mta_sts_policy;
  json policy = nullptr;
  if (p.attempted)
    policy = {{"url", p.url},       {"address", p.address},
              {"error", p.error},   {"certificate_error", p.certificate_error},
              {"status", p.status}, {"content_type", p.content_type},
              {"body", p.body}};
  return {{"records", r.mta_sts.texts}, {"policy", policy}};
}

}  // namespace

json check_report_json(const checks::Report& r) {
  json findings = json::array();
  for (const auto& f : r.findings) findings.push_back(finding_json(f));
  json smtp = json::array();
  for (const auto& s : r.smtp) smtp.push_back(smtp_json(s));
  json dnsbl = json::array();
  for (const auto& d : r.dnsbl)
    dnsbl.push_back({{"address", d.address},
                     {"zone", d.zone},
                     {"query", d.query},
                     {"status", d.status},
                     {"answers", d.codes},
                     {"reason", d.reason}});
  json ptr = json::array();
  for (const auto& p : r.ptr)
    ptr.push_back({{"exchange", p.exchange},
                   {"address", p.address},
                   {"query", p.query},
                   {"status", p.status},
                   {"names", p.names},
                   {"confirmed", p.confirmed}});
  std::size_t counts[4] = {};
  for (const auto& f : r.findings) ++counts[static_cast<int>(f.severity)];
  return {
      {"domain", r.domain},
      {"findings", findings},
      {"summary",
       {{"errors", counts[0]},
        {"warnings", counts[1]},
        {"notices", counts[2]},
        {"info", counts[3]}}},
      {"status", checks::exit_status(r.findings)},
      {"mx", route_plan_json(r.plan, r.domain)},
      {"nameservers", nameservers_json(r.nameservers)},
      {"delegation",
       {{"parent_server", r.nameservers.parent_server},
        {"parent_ns", r.nameservers.parent_ns},
        {"zone_ns", r.nameservers.child_ns},
        {"error", r.nameservers.parent_answered ? "" : r.nameservers.parent_error}}},
      {"smtp", smtp},
      {"dnsbl", dnsbl},
      {"ptr", ptr},
      {"spf",
       {{"records", r.mailauth.spf.records},
        {"lookups", r.mailauth.spf_probe ? json(r.mailauth.spf_probe->dns_lookups) : json(nullptr)},
        {"void_lookups",
         r.mailauth.spf_probe ? json(r.mailauth.spf_probe->void_lookups) : json(nullptr)}}},
      {"dmarc", {{"name", r.mailauth.dmarc.record_name}, {"records", r.mailauth.dmarc.records}}},
      {"dkim", dkim_json(r.mailauth)},
      {"propagation", propagation_json(r.resolvers)},
      {"mta_sts", mta_sts_json(r)},
      {"zone_source", r.zone_source},
      {"elapsed_ms", r.elapsed_ms}};
}

std::string check_report_text(const checks::Report& r) {
  std::string out = fmt::format("mxkit check {}\n", r.domain);
  if (!r.plan.reason.empty()) out += fmt::format("{}\n", r.plan.reason);
  for (const auto& t : r.plan.targets) {
    std::string addresses;
    for (const auto& a : t.addresses) addresses += (addresses.empty() ? "" : ", ") + a.to_text();
    out += fmt::format("  MX {:<5} {}  {}\n", t.preference, t.exchange.to_text(), addresses);
  }
  // Grouped by area, the areas with the worst findings first (errors first), then in report
  // order; within an area worst first (findings are sorted so).
  std::vector<std::pair<checks::Severity, std::size_t>> order;
  for (std::size_t i = 0; i < checks::areas().size(); ++i) {
    auto worst = checks::Severity::info;
    bool any = false;
    for (const auto& f : r.findings)
      if (f.area == checks::areas()[i]) {
        any = true;
        worst = std::min(worst, f.severity);
      }
    if (any) order.emplace_back(worst, i);
  }
  std::sort(order.begin(), order.end());
  for (const auto& entry : order) {
    const auto area = checks::areas()[entry.second];
    out += fmt::format("\n{}:\n", area);
    for (const auto& f : r.findings) {
      if (f.area != area) continue;
      out += fmt::format("  {:<7} [{}] {}: {}\n", checks::severity_name(f.severity), f.code,
                         f.subject, f.message);
      if (f.severity <= checks::Severity::notice)
        out += fmt::format("          fix: {} ({})\n", f.fix, f.rfc);
    }
  }
  std::size_t counts[4] = {};
  for (const auto& f : r.findings) ++counts[static_cast<int>(f.severity)];
  out +=
      fmt::format("\n{}: {} error{}, {} warning{}, {} notice{}, {} info in {:.0f} ms\n", r.domain,
                  counts[0], counts[0] == 1 ? "" : "s", counts[1], counts[1] == 1 ? "" : "s",
                  counts[2], counts[2] == 1 ? "" : "s", counts[3], r.elapsed_ms);
  return out;
}

}  // namespace mxkit::cli
