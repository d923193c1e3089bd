// DMARC policy records (RFC 7489 §6.3, with the DMARCbis tags np, psd, t): parsed with syntax
// errors that name the position; report URIs; the external-destination name of §7.1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <tl/expected.hpp>

#include "mailauth/dns_lookup.hpp"
#include "mailauth/public_suffix.hpp"

namespace mxkit::mailauth {

enum class DmarcPolicy : std::uint8_t { None, Quarantine, Reject };
std::string_view dmarc_policy_name(DmarcPolicy policy);  // "none", "quarantine", "reject"

enum class DmarcAlignment : std::uint8_t { Relaxed, Strict };

// One entry of rua= or ruf= (RFC 7489 §6.2, §6.3): a URI with an optional size limit "!10m".
struct DmarcReportUri {
  std::string uri;      // as written, without the size limit
  std::string scheme;   // lower-cased: "mailto", "https", ...
  std::string address;  // mailto: the addr-spec (percent-decoded); empty for other schemes
  std::string domain;   // mailto: the address's domain, lower-cased
  std::optional<std::uint64_t> max_bytes;  // "!10m" → 10485760
};

struct DmarcRecord {
  DmarcPolicy policy = DmarcPolicy::None;                   // p= (required)
  std::optional<DmarcPolicy> subdomain_policy;              // sp=
  std::optional<DmarcPolicy> nonexistent_policy;            // np= (DMARCbis)
  DmarcAlignment dkim_alignment = DmarcAlignment::Relaxed;  // adkim=
  DmarcAlignment spf_alignment = DmarcAlignment::Relaxed;   // aspf=
  unsigned percent = 100;                                   // pct= (RFC 7489; removed in DMARCbis)
  std::vector<DmarcReportUri> aggregate_reports;            // rua=
  std::vector<DmarcReportUri> failure_reports;              // ruf=
  std::string failure_options = "0";                        // fo=
  std::string report_format = "afrf";                       // rf=
  std::uint32_t report_interval = 86400;                    // ri=
  std::optional<char> public_suffix;                        // psd= 'y', 'n' or 'u' (DMARCbis)
  bool testing = false;                                     // t=y (DMARCbis)
  std::vector<std::string> unknown_tags;                    // ignored (RFC 7489 §6.3)
  std::vector<std::string> warnings;                        // legal but doubtful: "pct=0 ..."
};

struct DmarcSyntaxError {
  std::size_t position = 0;
  std::string message;
};

// True when the TXT string begins "v=DMARC1" (RFC 7489 §6.6.3: other TXT records are ignored).
bool is_dmarc_record(std::string_view text);

tl::expected<DmarcRecord, DmarcSyntaxError> parse_dmarc_record(std::string_view text);

// RFC 7489 §7.1: when a report URI's domain and the policy domain have different
// organizational domains (§3.2, by the Public Suffix List), the receiver must find a
// "v=DMARC1" TXT record at "<policy-domain>._report._dmarc.<uri-domain>" before sending
// reports there. Returns that name (lower-cased, no trailing dot), or nullopt when no
// authorisation is needed.
std::optional<std::string> report_authorization_name(std::string_view policy_domain,
                                                     std::string_view uri_domain,
                                                     const PublicSuffixList& suffixes);

// The TXT name of a domain's DMARC record: "_dmarc.<domain>" (RFC 7489 §6.1).
std::string dmarc_record_name(std::string_view domain);

// Policy discovery (RFC 7489 §6.6.3): TXT at _dmarc.<domain>; when that holds no DMARC record,
// TXT at _dmarc.<organizational domain>. Only TXT strings beginning "v=DMARC1" count; more
// than one at a name means no policy applies there (§6.6.3 step 5).
struct DmarcDiscovery {
  DnsStatus status = DnsStatus::TempFail;  // of the query that decided
  std::string policy_domain;               // where the record was found (or last looked)
  std::string record_name;                 // "_dmarc.<policy_domain>"
  std::vector<std::string> records;        // the v=DMARC1 strings there
  std::optional<DmarcRecord> record;       // parsed, when exactly one record
  std::optional<DmarcSyntaxError> error;   // its syntax error, when exactly one record
  std::vector<std::string> queried;        // every name asked, in order
  std::string detail;                      // the DNS failure, for TempFail
};
asio::awaitable<DmarcDiscovery> discover_dmarc(DnsLookup& dns, std::string domain,
                                               const PublicSuffixList& suffixes);

}  // namespace mxkit::mailauth
