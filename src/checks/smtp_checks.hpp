// The mail-server area of `mxkit check`: what one SMTP server said and showed when probed
// (smtp_probe gathers it), and the findings from it. Socket-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checks/finding.hpp"

namespace mxkit::checks {

// The server's certificate as seen in the STARTTLS handshake.
struct CertificateFacts {
  std::string subject;  // "CN=mx1.example.test"
  std::string issuer;
  std::vector<std::string> names;     // subjectAltName DNS names (the DNS-IDs)
  std::string not_before, not_after;  // "2026-12-05T12:00:00Z"
  std::int64_t days_left = 0;         // until not_after (negative: expired)
  bool expired = false;
  bool not_yet_valid = false;
  bool name_matches = false;  // one of `names` covers the MX host name (RFC 6125 wildcards)
  // No DNS-ID matches, but the subject's CN does (RFC 6125 §6.4.4: not a match).
  bool name_only_in_cn = false;
  bool chain_verified = false;
  std::string verify_error;  // OpenSSL's reason when the chain did not verify
  std::string sha256;        // of the certificate's DER, hex (TLSA 3 0 1)
  std::string spki_sha256;   // of its SubjectPublicKeyInfo, hex (TLSA 3 1 1)
};

struct SmtpFacts {
  std::string exchange;  // the MX host name, "mx1.example.test."
  std::string address;   // "127.0.1.1"
  std::uint16_t port = 25;
  bool connected = false;
  std::string error;  // why there was no 220: "connection refused", "greeting: 421 busy"
  double connect_ms = 0;
  std::string banner;                   // the 220 greeting, its lines joined
  std::vector<std::string> extensions;  // EHLO keywords with parameters, before STARTTLS
  bool starttls_offered = false;
  bool tls = false;
  std::string tls_error;  // the handshake failed: why
  std::string tls_version, tls_cipher;
  std::optional<CertificateFacts> certificate;
  std::optional<std::uint16_t> postmaster_reply;  // RCPT TO:<postmaster@DOMAIN>
  std::string postmaster_text;
  std::optional<std::uint16_t> relay_reply;  // RCPT TO a foreign domain from a foreign sender
  std::string relay_text;
  std::vector<std::string> transcript;  // "C: ..."/"S: ..."
};

// The host name a 220 banner starts with (RFC 5321 §4.3.1: "220 SP Domain ..."), lower case
// with a trailing dot; empty when the banner has none.
std::string banner_host(const std::string& banner);

std::vector<Finding> check_smtp(const SmtpFacts& facts);

}  // namespace mxkit::checks
