// `mxkit check DOMAIN`: every area gathered at once and turned into one sorted list of
// findings, with the facts behind them for the JSON report.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "checks/finding.hpp"
#include "checks/mailauth_checks.hpp"
#include "checks/mta_sts_probe.hpp"
#include "checks/ns_checks.hpp"
#include "checks/ns_probe.hpp"
#include "checks/propagation.hpp"
#include "checks/record_checks.hpp"
#include "checks/smtp_checks.hpp"
#include "checks/zone_transfer.hpp"
#include "dns/name.hpp"
#include "dns/tsig.hpp"
#include "resolver/resolver.hpp"
#include "routing/plan.hpp"
#include "routing/planner.hpp"

namespace mxkit::checks {

struct CheckOptions {
  bool smtp = true;
  std::uint16_t smtp_port = 25;
  std::vector<std::string> dnsbl_zones;     // empty: no blacklist lookups
  std::vector<std::string> dkim_selectors;  // besides the common ones
  std::string zone_file;                    // --zone FILE; empty: none
  ProbeOptions probe;
  std::chrono::milliseconds smtp_timeout{5000};
  routing::RoutingOptions routing;
  std::vector<std::string> resolvers;        // --resolver: compared for propagation
  HttpsOptions https;                        // the MTA-STS policy fetch (--https-port, --https-ca)
  std::optional<dns::TsigKey> transfer_key;  // -y / -k: signs the AXFR of the zone (RFC 8945)
};

// The blacklists asked when --dnsbl is not given: widely used, free for low-volume queries.
const std::vector<std::string>& default_dnsbl_zones();

struct Report {
  std::string domain;
  routing::DeliveryPlan plan;
  NameServerFacts nameservers;
  std::vector<SmtpFacts> smtp;
  std::vector<DnsblFacts> dnsbl;
  std::vector<PtrFacts> ptr;
  TxtLookup mta_sts, tlsrpt;
  MtaStsFetch mta_sts_policy;  // attempted only when _mta-sts announces a policy
  std::vector<TlsaFacts> tlsa;
  MailAuthFacts mailauth;
  std::vector<ResolverView> resolvers;
  ZoneTransferFacts zone_transfer;  // without --zone: the AXFR tried
  std::string zone_source;        // "file FILE", "axfr ADDRESS", or empty: no zone content checked
  std::vector<Finding> findings;  // sorted (sort_findings)
  double elapsed_ms = 0;
};

asio::awaitable<Report> run_checks(resolver::Resolver& resolver, dns::Name domain,
                                   const CheckOptions& options, std::mt19937_64& rng);

}  // namespace mxkit::checks
