// MTA-STS policy findings (see mta_sts_checks.hpp).
#include "checks/mta_sts_checks.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mailauth/mta_sts.hpp"

namespace mxkit::checks {

std::vector<Finding> check_mta_sts_policy(const MtaStsFetch& fetch,
                                          const std::vector<std::string>& exchanges) {
  std::vector<Finding> out;
  if (!fetch.attempted) return out;
  // RFC 8461 §3.3: a policy that cannot be fetched is as if the domain had no MTA-STS at all.
  if (!fetch.error.empty()) {
    out.push_back(make_finding("mta-sts-invalid", fetch.url,
                               fmt::format("the policy could not be fetched: {}", fetch.error)));
    return out;
  }
  // RFC 8461 §3.3: a policy from a host without a valid certificate is no policy at all, so
  // its content is not judged further.
  if (!fetch.certificate_error.empty()) {
    out.push_back(make_finding(
        "mta-sts-invalid", fetch.url,
        fmt::format("the certificate of {} ({}) fails verification: {}; senders ignore the "
                    "policy (RFC 8461 §3.3)",
                    fetch.host, fetch.address, fetch.certificate_error)));
    return out;
  }
  mailauth::HttpResponse response;
  response.status = fetch.status;
  response.content_type = fetch.content_type;
  response.location = fetch.location;
  response.body = fetch.body;
  auto body = mailauth::policy_body(response);
  if (!body) {
    out.push_back(make_finding("mta-sts-invalid", fetch.url, body.error().message));
    return out;
  }
  auto policy = mailauth::parse_mta_sts_policy(*body);
  if (!policy) {
    out.push_back(
        make_finding("mta-sts-invalid", fetch.url,
                     fmt::format("the policy does not parse: {}", policy.error().message)));
    return out;
  }
  for (const auto& w : policy->warnings)
    out.push_back(make_finding("mta-sts-invalid", fetch.url, w, Severity::notice));
  if (policy->mode == mailauth::MtaStsMode::None) return out;  // being withdrawn: mx unused
  const auto severity =
      policy->mode == mailauth::MtaStsMode::Enforce ? Severity::error : Severity::warning;
  for (const auto& exchange : exchanges) {
    const bool covered =
        std::any_of(policy->mx.begin(), policy->mx.end(), [&](const std::string& pattern) {
          return mailauth::mta_sts_mx_matches(pattern, exchange);
        });
    if (!covered)
      out.push_back(make_finding(
          "mta-sts-mx-mismatch", exchange,
          fmt::format("MX {} matches none of the policy's mx patterns ({}); in {} mode senders "
                      "{} it",
                      exchange, fmt::join(policy->mx, ", "),
                      mailauth::mta_sts_mode_name(policy->mode),
                      severity == Severity::error ? "will not deliver to" : "report failures for"),
          severity));
  }
  return out;
}

}  // namespace mxkit::checks
