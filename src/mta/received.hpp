// The Received: trace header the server prepends to every message it takes (RFC 5321 §4.4,
// with the "with" protocol names of RFC 3848 and RFC 6531 §3.7.3, and the TLS details
// operators expect beside them).
#pragma once

#include <chrono>
#include <string>

namespace mxkit::mta {

struct ReceivedInfo {
  std::string helo;            // as the client gave it in EHLO/HELO
  std::string client_address;  // "192.0.2.1" or "2001:db8::1"
  std::string hostname;        // ours
  bool esmtp = false;          // EHLO, not HELO
  bool smtputf8 = false;       // MAIL FROM ... SMTPUTF8
  std::string tls_version;     // "TLSv1.3"; empty in plain text
  std::string tls_cipher;      // "TLS_AES_256_GCM_SHA384"
  std::string recipient;       // named in "for <...>" only when the message has one recipient
  std::chrono::system_clock::time_point time;
};

// "SMTP", "ESMTP", "ESMTPS", "UTF8SMTP", "UTF8SMTPS" (RFC 3848 §1, RFC 6531 §3.7.3).
std::string with_protocol(const ReceivedInfo& info);

// The whole header with its CRLF, folded with a tab (RFC 5322 §2.2.3):
//   Received: from HELO ([IP])
//   	by HOST (mxkit) with ESMTPS
//   	(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)
//   	for <rcpt@example.test>; Sat, 05 Dec 2026 09:14:25 +0000   (queue::rfc5322_date)
// The HELO text is sanitised (no CR, LF or control characters, at most 255 octets) so a client
// cannot forge header lines through it.
std::string received_header(const ReceivedInfo& info);

}  // namespace mxkit::mta
