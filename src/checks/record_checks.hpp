// The DNS-record areas of `mxkit check` beyond MX and NS: blacklists (RFC 5782), reverse DNS,
// MTA-STS and TLS-RPT records (RFC 8461, RFC 8460) and DANE TLSA (RFC 7672). Facts gathered by
// record_probe; findings here, socket-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checks/finding.hpp"
#include "checks/smtp_checks.hpp"

namespace mxkit::checks {

// One TXT lookup: the status and each record's strings joined (RFC 7208 §3.3 style).
struct TxtLookup {
  std::string name;
  std::string status;  // "answer", "nodata", "nxdomain", "servfail", "timeout"
  std::vector<std::string> texts;
};

struct DnsblFacts {
  std::string address;             // "127.0.1.1"
  std::string zone;                // "zen.spamhaus.org."
  std::string query;               // "1.1.0.127.zen.spamhaus.org."
  std::string status;              // of the A lookup
  std::vector<std::string> codes;  // the A answers: "127.0.0.2"
  std::string reason;              // the TXT answer, when listed
};

struct PtrFacts {
  std::string exchange;
  std::string address;
  std::string query;   // "1.1.0.127.in-addr.arpa."
  std::string status;  // of the PTR lookup
  std::vector<std::string> names;
  // Forward-confirmed reverse DNS: does any PTR name have the address among its A/AAAA?
  bool confirmed = false;
};

struct TlsaRecord {
  std::uint8_t usage = 0, selector = 0, matching = 0;
  std::string data;  // hex, lower case
};

struct TlsaFacts {
  std::string exchange;
  std::string query;  // "_25._tcp.mx1.example.test."
  std::vector<TlsaRecord> records;
};

// The name DNS-based lists and PTR use for an address: "1.1.0.127" (IPv4, RFC 5782 §2.1) or
// 32 nibbles (IPv6, RFC 5782 §2.4); empty for text that is not an address.
std::string reversed_address(const std::string& address);

// A TXT RRset's rdata as texts, each record's character-strings concatenated.
std::string txt_rdata_text(const std::vector<std::uint8_t>& rdata);

std::vector<Finding> check_dnsbl(const std::vector<DnsblFacts>& facts);
std::vector<Finding> check_ptr(const std::vector<PtrFacts>& facts);
// MTA-STS's _mta-sts record (one, v=STSv1, a valid id) and TLS-RPT's _smtp._tls record.
std::vector<Finding> check_tls_records(const std::string& domain, const TxtLookup& mta_sts,
                                       const TxtLookup& tlsrpt);
// RFC 7672 §3.1 and RFC 6698 §2.1: a TLSA RRset of usage 3 (DANE-EE) or 2 (DANE-TA) must
// have a record matching the certificate the server presented. Usage 2 needs the chain; we
// see the end-entity only, so only usage 3 (and 1) records are matched, as most MX use.
std::vector<Finding> check_tlsa(const TlsaFacts& tlsa,
                                const std::vector<const SmtpFacts*>& servers);

}  // namespace mxkit::checks
