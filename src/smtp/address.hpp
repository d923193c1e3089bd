// Mail addresses as SMTP carries them (RFC 5321 §4.1.2 and §4.1.3, RFC 6531 for UTF-8):
// reverse-paths, forward-paths and their ESMTP parameters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace mxkit::smtp {

// local@domain. `local` is kept as sent (a quoted local part keeps its quotes, so it is
// written back exactly); `domain` is a domain name (without trailing dot) or an address
// literal "[192.0.2.1]" / "[IPv6:2001:db8::1]".
struct Mailbox {
  std::string local;
  std::string domain;

  std::string text() const { return local + "@" + domain; }
  // The domain lowercased (ASCII only; UTF-8 labels are kept as they are).
  std::string domain_lower() const;
  bool is_utf8() const;  // any octet >= 0x80 (needs SMTPUTF8, RFC 6531)
  friend bool operator==(const Mailbox&, const Mailbox&) = default;
};

// The path of MAIL FROM (reverse-path, may be null "<>") or RCPT TO (forward-path; also the
// special "<Postmaster>" without a domain, RFC 5321 §4.5.1, which gets domain empty).
struct Path {
  bool null = false;  // "<>"
  Mailbox mailbox;
  std::string text() const { return null ? std::string() : mailbox.text(); }  // without <>
};

// ESMTP parameters after the path: "SIZE=1000 BODY=8BITMIME SMTPUTF8" → {{"SIZE","1000"},
// {"BODY","8BITMIME"}, {"SMTPUTF8",""}}; keywords uppercased, values kept.
using Parameters = std::vector<std::pair<std::string, std::string>>;

struct PathArgument {
  Path path;
  Parameters parameters;
};

struct ParseOptions {
  bool allow_null = false;        // MAIL FROM:<> yes, RCPT TO:<> no
  bool allow_postmaster = false;  // RCPT TO:<Postmaster>
  bool allow_utf8 = false;        // SMTPUTF8 given on MAIL (RFC 6531 §3.3)
};

// Parses what follows "MAIL FROM:" or "RCPT TO:" (leading spaces tolerated, as Postfix does):
// "<user@example.test> SIZE=10". A source route ("<@a,@b:user@c>", RFC 5321 §4.1.2) is accepted
// and dropped (Appendix C). Errors say what is wrong: "missing '<'", "bad domain \"a..b\"".
core::Result<PathArgument> parse_path_argument(std::string_view text, const ParseOptions& options);

// The domain of an address as the queue stores it ("User@Example.TEST" → "example.test"):
// what follows the last '@', ASCII-lowercased; "" when there is none.
std::string address_domain(std::string_view address);

// A bare address "user@example.test" as given on command lines and in configs (no <>).
core::Result<Mailbox> parse_mailbox(std::string_view text, bool allow_utf8 = true);

}  // namespace mxkit::smtp
