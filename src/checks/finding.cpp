// The code catalogue (docs/checks.md is its prose form), finding order and exit status.
#include "checks/finding.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace mxkit::checks {

namespace {

using S = Severity;

// One row a code; docs/checks.md lists the same rows with a longer meaning.
const std::vector<CodeInfo> kCatalogue = {
    // --- MX (RFC 5321 §5.1, RFC 7505, RFC 2181 §10.3)
    {"domain-nxdomain", "mx", S::error, "RFC 2308 §2.1",
     "Create the domain (delegate it) or stop using it in mail addresses."},
    {"mx-lookup-failed", "mx", S::error, "RFC 5321 §5.1",
     "Make the domain's name servers answer MX queries; senders defer mail while they fail."},
    {"mx-missing", "mx", S::error, "RFC 5321 §5.1",
     "Publish MX records naming the mail servers, or a null MX (RFC 7505) if the domain takes no "
     "mail."},
    {"mx-implicit", "mx", S::warning, "RFC 5321 §5.1",
     "Publish an MX record: without one, mail goes to the domain's own A/AAAA address."},
    {"null-mx", "mx", S::info, "RFC 7505 §3",
     "None needed if the domain takes no mail; remove the null MX otherwise."},
    {"null-mx-mixed", "mx", S::error, "RFC 7505 §3",
     "A null MX (0 .) must be the only MX record: remove it or the other MX records."},
    {"null-mx-preference", "mx", S::warning, "RFC 7505 §3",
     "Give the null MX preference 0: \"MX 0 .\"."},
    {"target-is-alias", "mx", S::error, "RFC 2181 §10.3",
     "Point the MX at the canonical name (the CNAME's target), not at an alias."},
    {"target-is-ip-literal", "mx", S::error, "RFC 5321 §5.1",
     "An MX names a host; give the address an A/AAAA record under a name and use that name."},
    {"target-no-address", "mx", S::error, "RFC 5321 §5.1",
     "Give the mail exchanger an A or AAAA record, or remove the MX record naming it."},
    {"mx-duplicate", "mx", S::warning, "RFC 5321 §5.1",
     "List each mail exchanger once, with one preference."},
    {"single-mx", "mx", S::notice, "RFC 5321 §5.1",
     "Add a second MX on another host and network, so mail still arrives while one is down."},
    {"mx-address-not-public", "mx", S::warning, "RFC 6890",
     "Give the mail exchanger a globally reachable address; private, loopback and reserved "
     "addresses cannot be reached from the internet."},
    {"mx-same-network", "mx", S::warning, "RFC 5321 §5.1",
     "Place the mail exchangers on different addresses and networks (/24, /48)."},
    // --- Name servers and propagation (RFC 1034 §4.2.2, RFC 1982, RFC 2181 §5.2, RFC 1912)
    {"ns-lookup-failed", "nameservers", S::error, "RFC 1034 §4.3.2",
     "Make the parent zone's servers answer for the delegation of the domain."},
    {"ns-unreachable", "nameservers", S::error, "RFC 1034 §4.1",
     "Make the name server answer on UDP and TCP port 53, or remove it from the NS set and glue."},
    {"ns-lame", "nameservers", S::error, "RFC 1034 §4.2.2",
     "Load the zone on this server (it must answer authoritatively), or remove it from the NS "
     "set."},
    {"ns-serial-mismatch", "nameservers", S::warning, "RFC 1982 §3.2",
     "Let the secondaries transfer the zone (NOTIFY, allow AXFR/IXFR); check the primary's serial "
     "only grows."},
    {"ns-set-mismatch", "nameservers", S::warning, "RFC 2181 §5.4.1",
     "Make the NS records at the registrar (the parent zone) and in the zone list the same "
     "servers."},
    {"single-ns", "nameservers", S::warning, "RFC 1034 §4.1",
     "Run at least two name servers on different addresses and networks."},
    {"glue-mismatch", "nameservers", S::error, "RFC 1034 §4.2.1",
     "Update the glue at the registrar to the addresses the zone gives its name servers."},
    {"mx-mismatch", "nameservers", S::warning, "RFC 2181 §5.2",
     "Let every authoritative server serve the same zone version (see ns-serial-mismatch); the "
     "MX RRset and its TTL must be the same everywhere."},
    {"mx-ttl-long", "nameservers", S::warning, "RFC 1912 §2.2",
     "Use an MX TTL of a day or less (an hour is usual) so a change of mail servers is seen soon."},
    {"propagation-pending", "nameservers", S::notice, "RFC 2308 §4 / RFC 1035 §3.2.1",
     "Wait for the resolver's cached TTL to run out, or flush its cache; lower the TTL before "
     "the next change."},
    // --- Zone content (the zone checks of `mxkit zone check`, docs/zone-checks.md)
    {"zone-unavailable", "zone", S::info, "RFC 5936 §6",
     "Give --zone FILE, or allow AXFR from the checking host (or give the key the server "
     "requires with -y or -k), to check the zone's content."},
    // --- SPF (RFC 7208)
    {"spf-missing", "spf", S::warning, "RFC 7208 §3",
     "Publish one TXT record \"v=spf1 mx -all\" (or the hosts that send for the domain)."},
    {"spf-multiple", "spf", S::error, "RFC 7208 §3.2",
     "Merge the SPF records into one; two make every check a permerror."},
    {"spf-syntax", "spf", S::error, "RFC 7208 §12",
     "Correct the record at the position shown; a syntax error is a permerror for every sender."},
    {"spf-too-many-lookups", "spf", S::error, "RFC 7208 §4.6.4",
     "Bring the record under 10 DNS-querying terms: flatten includes or drop unused ones."},
    {"spf-void-lookups", "spf", S::warning, "RFC 7208 §4.6.4",
     "Remove terms naming domains that do not exist or have no records (at most 2 allowed)."},
    {"spf-pass-all", "spf", S::error, "RFC 7208 §5.1",
     "End the record with -all or ~all: +all authorises every host on the internet."},
    {"spf-ptr", "spf", S::notice, "RFC 7208 §5.5",
     "Replace the ptr mechanism with ip4/ip6 or a: ptr is slow and should not be used."},
    {"spf-mx-not-authorized", "spf", S::warning, "RFC 7208 §5.4",
     "Add \"mx\" (or the MX addresses) to the SPF record if the mail servers also send."},
    // --- DMARC (RFC 7489)
    {"dmarc-missing", "dmarc", S::warning, "RFC 7489 §6.1",
     "Publish a TXT record at _dmarc.DOMAIN: \"v=DMARC1; p=none; rua=mailto:...\" to start."},
    {"dmarc-multiple", "dmarc", S::error, "RFC 7489 §6.6.3",
     "Keep one DMARC record; with several, receivers apply none."},
    {"dmarc-syntax", "dmarc", S::error, "RFC 7489 §6.3",
     "Correct the record: it starts v=DMARC1 and has a valid p= tag."},
    {"dmarc-policy-none", "dmarc", S::notice, "RFC 7489 §6.3",
     "Once reports show your mail passes, move to p=quarantine, then p=reject."},
    {"dmarc-report-uri-unauthorized", "dmarc", S::warning, "RFC 7489 §7.1",
     "Publish DOMAIN._report._dmarc.REPORTDOMAIN TXT \"v=DMARC1\" in the report domain."},
    // --- DKIM (RFC 6376, RFC 8301)
    {"dkim-key-missing", "dkim", S::notice, "RFC 6376 §3.6.2",
     "Publish the signing key at SELECTOR._domainkey.DOMAIN (the selector the signer uses)."},
    {"dkim-syntax", "dkim", S::error, "RFC 6376 §3.6.1",
     "Correct the key record: tag=value pairs with a Base64 p= key."},
    {"dkim-key-weak", "dkim", S::warning, "RFC 8301 §3.2",
     "Use an RSA key of 2048 bits (1024 is the minimum verifiers accept) or Ed25519."},
    {"dkim-key-revoked", "dkim", S::notice, "RFC 6376 §3.6.1",
     "None if the selector is retired; publish the key if it is still used for signing."},
    // --- MTA-STS, TLS-RPT, DANE (RFC 8461, RFC 8460, RFC 7672)
    {"tlsrpt-missing", "tls", S::notice, "RFC 8460 §3",
     "Publish _smtp._tls.DOMAIN TXT \"v=TLSRPTv1; rua=mailto:...\" to hear of TLS failures."},
    {"mta-sts-invalid", "tls", S::warning, "RFC 8461 §3",
     "Publish one _mta-sts.DOMAIN TXT \"v=STSv1; id=...\" and serve a valid policy at "
     "https://mta-sts.DOMAIN/.well-known/mta-sts.txt (200, text/plain, a certificate for that "
     "name, no redirect)."},
    {"mta-sts-mx-mismatch", "tls", S::warning, "RFC 8461 §4.1",
     "Add an mx: line to the policy covering this MX host (or \"*.\" its parent), then change "
     "the TXT record's id."},
    {"tlsa-mismatch", "tls", S::error, "RFC 7672 §3.1",
     "Update the TLSA records (or the certificate) so one matches what the server presents."},
    // --- Blacklists
    {"dnsbl-listed", "dnsbl", S::error, "RFC 5782 §2.1",
     "Find why the address is listed (the reason quoted), fix it, and ask the list for removal."},
    // --- Mail servers (RFC 5321, RFC 3207)
    {"smtp-unreachable", "smtp", S::error, "RFC 5321 §3.1",
     "Make the mail server listen on port 25 and greet with 220; open the firewall."},
    {"smtp-no-starttls", "smtp", S::warning, "RFC 3207 §4",
     "Configure a certificate and offer STARTTLS, so mail is not sent in clear text."},
    {"smtp-tls-certificate", "smtp", S::warning, "RFC 7672 §3.2 / RFC 8461 §4.2",
     "Install a valid certificate naming the MX host, with its chain, before it expires."},
    {"smtp-banner-mismatch", "smtp", S::warning, "RFC 5321 §4.3.1",
     "Greet (220) with the host's own name, the name its MX and PTR records give."},
    {"smtp-open-relay", "smtp", S::error, "RFC 5321 §3.9 / RFC 2505",
     "Refuse RCPT to domains the server does not handle unless the client is authorised."},
    {"smtp-rejects-postmaster", "smtp", S::error, "RFC 5321 §4.5.1",
     "Accept mail to postmaster@DOMAIN: every mail domain must have it."},
    // --- Reverse DNS
    {"ptr-missing", "ptr", S::warning, "RFC 1912 §2.1",
     "Ask the address's owner (your provider) for a PTR record naming the mail server."},
    {"ptr-mismatch", "ptr", S::warning, "RFC 1912 §2.1",
     "Make the PTR name resolve back to the address (forward-confirmed reverse DNS)."},
};

const std::vector<std::string_view> kAreas = {"mx",   "nameservers", "zone",  "spf",  "dmarc",
                                              "dkim", "tls",         "dnsbl", "smtp", "ptr"};

std::size_t area_rank(std::string_view area) {
  auto it = std::find(kAreas.begin(), kAreas.end(), area);
  return static_cast<std::size_t>(it - kAreas.begin());
}

}  // namespace

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::notice: return "notice";
    case Severity::info: return "info";
  }
  return "info";
}

const CodeInfo* find_code(std::string_view code) {
  for (const auto& info : kCatalogue)
    if (info.code == code) return &info;
  return nullptr;
}

const std::vector<CodeInfo>& catalogue() { return kCatalogue; }
const std::vector<std::string_view>& areas() { return kAreas; }

Finding make_finding(std::string_view code, std::string subject, std::string message,
                     std::optional<Severity> severity) {
  const CodeInfo* info = find_code(code);
  if (info == nullptr)
    throw std::logic_error("check code not in the catalogue: " + std::string(code));
  return Finding{std::string(info->code), severity.value_or(info->severity),
                 std::string(info->area), std::move(subject),
                 std::move(message),      std::string(info->rfc),
                 std::string(info->fix)};
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::forward_as_tuple(a.severity, area_rank(a.area), a.code, a.subject) <
           std::forward_as_tuple(b.severity, area_rank(b.area), b.code, b.subject);
  });
}

int exit_status(const std::vector<Finding>& findings) {
  int status = 0;
  for (const auto& f : findings) {
    if (f.severity == Severity::error) return 2;
    if (f.severity == Severity::warning) status = 1;
  }
  return status;
}

}  // namespace mxkit::checks
