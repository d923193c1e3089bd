// The check run (see report.hpp): the MX plan and what hangs on it (SMTP probes, blacklists,
// PTR, TLSA), the name servers, and the domain's TXT records all run at once.
#include "checks/report.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "checks/mx_checks.hpp"
#include "checks/parallel.hpp"
#include "checks/record_probe.hpp"
#include "checks/smtp_probe.hpp"
#include "checks/zone_checks.hpp"
#include "checks/zone_transfer.hpp"
#include "delivery/route_driver.hpp"

namespace mxkit::checks {

namespace {

struct MxAddress {
  std::string exchange;
  std::string address;
};

// The plan and everything that needs its targets.
asio::awaitable<void> mx_area(resolver::Resolver* resolver, Report* report,
                              const CheckOptions* options, std::mt19937_64* rng) {
  report->plan = co_await delivery::plan_once(*resolver, *dns::Name::from_text(report->domain),
                                              options->routing, *rng);
  std::vector<MxAddress> addresses;
  std::vector<std::string> exchanges;
  for (const auto& t : report->plan.targets) {
    exchanges.push_back(t.exchange.to_text());
    for (const auto& a : t.addresses) addresses.push_back({t.exchange.to_text(), a.to_text()});
  }
  if (options->smtp) report->smtp.resize(addresses.size());
  for (const auto& zone : options->dnsbl_zones)
    for (const auto& a : addresses) {
      // One lookup per distinct IPv4/IPv6 address and zone.
      bool seen = false;
      for (const auto& d : report->dnsbl) seen = seen || (d.address == a.address && d.zone == zone);
      if (!seen) report->dnsbl.push_back({a.address, zone, {}, {}, {}, {}});
    }
  report->ptr.resize(addresses.size());
  report->tlsa.resize(exchanges.size());
  std::vector<asio::awaitable<void>> tasks;
  for (std::size_t i = 0; i < report->smtp.size(); ++i) {
    SmtpProbeOptions o;
    o.domain = report->plan.canonical_domain.to_text();
    if (!o.domain.empty() && o.domain.back() == '.') o.domain.pop_back();
    o.timeout = options->smtp_timeout;
    tasks.push_back([](SmtpFacts* out, MxAddress a, std::uint16_t port,
                       SmtpProbeOptions po) -> asio::awaitable<void> {
      *out = co_await probe_smtp(a.exchange, a.address, port, po);
    }(&report->smtp[i], addresses[i], options->smtp_port, o));
  }
  for (auto& d : report->dnsbl)
    tasks.push_back([](resolver::Resolver* r, DnsblFacts* out) -> asio::awaitable<void> {
      *out = co_await probe_dnsbl(*r, out->address, out->zone);
    }(resolver, &d));
  for (std::size_t i = 0; i < addresses.size(); ++i)
    tasks.push_back([](resolver::Resolver* r, PtrFacts* out, MxAddress a) -> asio::awaitable<void> {
      *out = co_await probe_ptr(*r, a.exchange, a.address);
    }(resolver, &report->ptr[i], addresses[i]));
  for (std::size_t i = 0; i < exchanges.size(); ++i)
    tasks.push_back([](resolver::Resolver* r, TlsaFacts* out, std::string e,
                       std::uint16_t port) -> asio::awaitable<void> {
      *out = co_await probe_tlsa(*r, e, port);
    }(resolver, &report->tlsa[i], exchanges[i], options->smtp_port));
  std::vector<MxAddressRef> refs;
  for (const auto& a : addresses) refs.push_back({a.exchange, a.address});
  tasks.push_back([](resolver::Resolver* r, MailAuthFacts* out, std::string domain,
                     std::vector<MxAddressRef> mx,
                     std::vector<std::string> selectors) -> asio::awaitable<void> {
    *out = co_await probe_mailauth(*r, std::move(domain), std::move(mx), std::move(selectors));
  }(resolver, &report->mailauth, report->domain, std::move(refs), options->dkim_selectors));
  co_await run_parallel(std::move(tasks));
}

asio::awaitable<void> ns_area(resolver::Resolver* resolver, Report* report,
                              const CheckOptions* options) {
  const auto zone = *dns::Name::from_text(report->domain);
  report->nameservers = co_await probe_nameservers(*resolver, zone, options->probe);
  if (!options->zone_file.empty()) co_return;
  // Zone content without --zone: AXFR from the servers that answered authoritatively.
  std::vector<std::string> addresses;
  for (const auto& ns : report->nameservers.servers)
    for (const auto& a : ns.answers)
      if (a.authoritative &&
          std::find(addresses.begin(), addresses.end(), a.address) == addresses.end())
        addresses.push_back(a.address);
  if (!addresses.empty())
    report->zone_transfer =
        co_await transfer_zone(zone, std::move(addresses), options->probe, options->transfer_key);
}

asio::awaitable<void> txt_into(resolver::Resolver* resolver, TxtLookup* out, std::string name) {
  *out = co_await lookup_txt(*resolver, std::move(name));
}

// RFC 8461 §3: the TXT record announces a policy; only then is the policy host asked for it.
asio::awaitable<void> mta_sts_area(resolver::Resolver* resolver, Report* report,
                                   const CheckOptions* options) {
  report->mta_sts = co_await lookup_txt(*resolver, "_mta-sts." + report->domain);
  const bool announced =
      std::any_of(report->mta_sts.texts.begin(), report->mta_sts.texts.end(),
                  [](const std::string& t) { return t.rfind("v=STSv1", 0) == 0; });
  if (announced)
    report->mta_sts_policy =
        co_await fetch_mta_sts_policy(*resolver, report->domain, options->https);
}

}  // namespace

const std::vector<std::string>& default_dnsbl_zones() {
  static const std::vector<std::string> zones = {"zen.spamhaus.org.", "bl.spamcop.net.",
                                                 "b.barracudacentral.org."};
  return zones;
}

asio::awaitable<Report> run_checks(resolver::Resolver& resolver, dns::Name domain,
                                   const CheckOptions& options, std::mt19937_64& rng) {
  const auto start = std::chrono::steady_clock::now();
  Report report;
  report.domain = domain.to_text();
  {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(mx_area(&resolver, &report, &options, &rng));
    tasks.push_back(ns_area(&resolver, &report, &options));
    if (!options.resolvers.empty())
      tasks.push_back([](Report* out, std::vector<std::string> r, dns::Name d,
                         ProbeOptions o) -> asio::awaitable<void> {
        out->resolvers = co_await probe_resolvers(std::move(r), std::move(d), std::move(o));
      }(&report, options.resolvers, domain, options.probe));
    tasks.push_back(mta_sts_area(&resolver, &report, &options));
    tasks.push_back(txt_into(&resolver, &report.tlsrpt, "_smtp._tls." + report.domain));
    co_await run_parallel(std::move(tasks));
  }
  auto& f = report.findings;
  auto add = [&f](std::vector<Finding> more) {
    f.insert(f.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  };
  add(check_mx(report.plan));
  add(check_nameservers(report.nameservers));
  add(check_propagation(report.resolvers, report.nameservers));
  if (!options.zone_file.empty()) {
    report.zone_source = "file " + options.zone_file;
    add(check_zone_file(options.zone_file, domain));
  } else if (!report.zone_transfer.server.empty()) {
    report.zone_source = "axfr " + report.zone_transfer.server;
    add(check_zone_records(report.zone_transfer.records, domain,
                           "AXFR from " + report.zone_transfer.server));
  } else {
    // RFC 5936 §6: servers may refuse transfers to anyone; that is not a fault of the domain.
    std::string why = "no --zone FILE given and no authoritative server allowed an AXFR";
    if (!report.zone_transfer.attempts.empty())
      why += " (" + fmt::format("{}", fmt::join(report.zone_transfer.attempts, "; ")) + ")";
    f.push_back(make_finding("zone-unavailable", report.domain,
                             why + ": the zone's content was not checked"));
  }
  add(check_spf(report.mailauth));
  add(check_dmarc(report.mailauth));
  add(check_dkim(report.mailauth));
  add(check_tls_records(report.domain, report.mta_sts, report.tlsrpt));
  {
    std::vector<std::string> exchanges;
    for (const auto& t : report.plan.targets) exchanges.push_back(t.exchange.to_text());
    for (const auto& t : report.plan.skipped) exchanges.push_back(t.exchange.to_text());
    add(check_mta_sts_policy(report.mta_sts_policy, exchanges));
  }
  for (const auto& s : report.smtp) add(check_smtp(s));
  for (const auto& t : report.tlsa) {
    std::vector<const SmtpFacts*> servers;
    for (const auto& s : report.smtp)
      if (s.exchange == t.exchange) servers.push_back(&s);
    add(check_tlsa(t, servers));
  }
  add(check_dnsbl(report.dnsbl));
  add(check_ptr(report.ptr));
  sort_findings(f);
  report.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  co_return report;
}

}  // namespace mxkit::checks
