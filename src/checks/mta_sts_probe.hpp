// Fetches a domain's MTA-STS policy over HTTPS (RFC 8461 §3.3): the policy host's addresses
// through mxkit's resolver, TLS with the certificate checked for "mta-sts.DOMAIN" against the
// system's trust anchors (and --https-ca), one GET, no redirect followed, a size and time limit.
// The parsing is mailauth/mta_sts's; findings are record_checks' check_mta_sts_policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <asio/awaitable.hpp>

#include "checks/mta_sts_checks.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::checks {

struct HttpsOptions {
  std::uint16_t port = 443;
  std::string ca_file;  // PEM trust anchors besides the system's; empty: none
  std::chrono::milliseconds timeout{10000};
};

asio::awaitable<MtaStsFetch> fetch_mta_sts_policy(resolver::Resolver& resolver, std::string domain,
                                                  HttpsOptions options);

}  // namespace mxkit::checks
