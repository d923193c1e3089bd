// Mail-server findings (see smtp_checks.hpp).
#include "checks/smtp_checks.hpp"

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace mxkit::checks {

std::string banner_host(const std::string& banner) {
  const auto end = banner.find_first_of(" \t");
  std::string host = banner.substr(0, end);
  if (host.empty() || host.find('.') == std::string::npos) return {};
  host = core::ascii_lower(host);
  if (host.back() != '.') host.push_back('.');
  return host;
}

std::vector<Finding> check_smtp(const SmtpFacts& f) {
  std::vector<Finding> out;
  const std::string subject = fmt::format("{} {}", f.exchange, f.address);
  if (!f.connected) {
    out.push_back(
        make_finding("smtp-unreachable", subject,
                     fmt::format("{} at {} port {}: {}", f.exchange, f.address, f.port, f.error)));
    return out;
  }
  // RFC 5321 §4.3.1: the greeting names the host; senders and humans match it to MX and PTR.
  const std::string host = banner_host(f.banner);
  if (host != core::ascii_lower(f.exchange))
    out.push_back(make_finding(
        "smtp-banner-mismatch", subject,
        host.empty() ? fmt::format("the greeting \"220 {}\" names no host", f.banner)
                     : fmt::format("the greeting names {}, not the MX host {}", host, f.exchange)));
  if (!f.starttls_offered) {
    out.push_back(make_finding("smtp-no-starttls", subject,
                               fmt::format("{} does not offer STARTTLS after EHLO", f.exchange)));
  } else if (!f.tls) {
    out.push_back(
        make_finding("smtp-tls-certificate", subject,
                     fmt::format("STARTTLS offered but the TLS handshake failed: {}", f.tls_error),
                     Severity::error));
  } else if (f.certificate) {
    const auto& c = *f.certificate;
    // Expired or wrong name: a sender that checks (MTA-STS, DANE) refuses the server; an
    // unverifiable chain alone matters to MTA-STS only (RFC 7435: opportunistic TLS does not
    // check).
    if (c.expired)
      out.push_back(make_finding("smtp-tls-certificate", subject,
                                 fmt::format("the certificate expired on {}", c.not_after)));
    else if (c.not_yet_valid)
      out.push_back(
          make_finding("smtp-tls-certificate", subject,
                       fmt::format("the certificate is valid only from {}", c.not_before)));
    else if (c.days_left < 14)
      out.push_back(make_finding(
          "smtp-tls-certificate", subject,
          fmt::format("the certificate expires in {} days ({})", c.days_left, c.not_after)));
    if (c.name_only_in_cn) {
      out.push_back(make_finding(
          "smtp-tls-certificate", subject,
          fmt::format("the certificate names {} only in the subject CN ({}) and has no "
                      "subjectAltName DNS name for it: DANE and MTA-STS senders match DNS names "
                      "only (RFC 6125 §6.4.4)",
                      f.exchange, c.subject)));
    } else if (!c.name_matches) {
      std::string names;
      for (const auto& n : c.names) names += (names.empty() ? "" : ", ") + n;
      out.push_back(make_finding("smtp-tls-certificate", subject,
                                 fmt::format("the certificate names {}, not {}",
                                             names.empty() ? c.subject : names, f.exchange)));
    }
    if (!c.chain_verified)
      out.push_back(
          make_finding("smtp-tls-certificate", subject,
                       fmt::format("the certificate chain does not verify: {}", c.verify_error),
                       Severity::notice));
  }
  // RFC 5321 §4.5.1: postmaster must be accepted. A 4xx (greylisting) is not a refusal.
  if (f.postmaster_reply && *f.postmaster_reply >= 500)
    out.push_back(make_finding("smtp-rejects-postmaster", subject,
                               fmt::format("RCPT TO postmaster refused: {}", f.postmaster_text)));
  if (f.relay_reply && *f.relay_reply >= 200 && *f.relay_reply < 300)
    out.push_back(
        make_finding("smtp-open-relay", subject,
                     fmt::format("RCPT to a foreign domain from a foreign sender accepted: {} "
                                 "(the check sent RSET, never DATA)",
                                 f.relay_text)));
  return out;
}

}  // namespace mxkit::checks
