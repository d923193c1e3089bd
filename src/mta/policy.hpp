// The acceptance policy of the inbound SMTP server, socket-free: which recipients we take
// (local domains, mailboxes, the `*@DOMAIN` catch-all, aliases), who may relay, and what a
// sender domain's MX says. Answers are smtp::Verdicts with the codes RFC 5321 and RFC 3463 give.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/address.hpp>

#include "core/result.hpp"
#include "net/prefix.hpp"
#include "smtp/address.hpp"
#include "smtp/server_session.hpp"

namespace mxkit::mta {

struct PolicyConfig {
  std::vector<std::string> local_domains;  // "example.test"
  std::vector<std::string> mailboxes;      // "john.doe@example.test", "*@example.test"
  std::vector<std::string> aliases;  // "postmaster@example.test=john.doe@example.test,x@y.test"
  std::vector<net::AddressPrefix>
      relay_from;  // empty: nobody relays (the CLI defaults to loopback)
};

// The loopback prefixes, the default of --relay-from: 127.0.0.0/8 and ::1.
std::vector<net::AddressPrefix> loopback_prefixes();

// What the sender's domain publishes, as the MX lookup found it.
enum class SenderDomainStatus : std::uint8_t {
  Accepts,   // MX records, the implicit MX, or a domain we did not look up (local, literal)
  NullMx,    // RFC 7505 null MX: the domain sends no mail it can take replies for
  NoDomain,  // NXDOMAIN
  TempFail,  // no answer now
};

class AcceptancePolicy {
 public:
  // Lowercases and checks every entry; an error names the entry ("mailbox x@other.test: other.test
  // is not a local domain").
  static core::Result<AcceptancePolicy> make(const PolicyConfig& config);

  bool is_local_domain(std::string_view domain) const;  // any case
  bool may_relay(const asio::ip::address& client) const;

  // RCPT TO (RFC 5321 §4.1.1.3): 250 2.1.5 for a mailbox, alias or catch-all of a local domain
  // and for <Postmaster> (§4.5.1); 550 5.1.1 for an unknown local user; 553 5.1.3 for a local
  // part that cannot be a Maildir folder; relaying (a non-local domain) 250 from a --relay-from
  // client, else 554 5.7.1.
  smtp::Verdict check_recipient(const smtp::Path& recipient, const asio::ip::address& client) const;

  // The addresses an accepted recipient delivers to: aliases expanded (recursively, at most 8
  // levels; an alias target that is itself an alias is followed), everything else as given
  // (domain lowercased). <Postmaster> is postmaster@ the first local domain.
  std::vector<std::string> expand(const smtp::Path& recipient) const;

  // Whether MAIL FROM needs its domain looked up: not for <>, a local domain, or an address
  // literal. Returns the domain to ask (lowercased) or "".
  std::string sender_domain_to_check(const smtp::Path& sender) const;

  // MAIL FROM after the lookup. Null MX: 550 5.7.27 (RFC 7505 §4.2). A temporary failure is
  // accepted, not 451: the check only spares us bounces nobody can take, and refusing mail
  // whenever our resolver hiccups would delay every honest sender (docs/config.md).
  // NXDOMAIN is accepted too (Postfix's reject_unknown_sender_domain is not a default).
  smtp::Verdict check_sender(const smtp::Path& sender, SenderDomainStatus status) const;

  const std::vector<std::string>& local_domains() const { return local_domains_; }

 private:
  std::vector<std::string> local_domains_;  // lowercase, in the order given
  std::set<std::string> domains_;
  std::set<std::string> mailboxes_;                          // lowercase "local@domain"
  std::set<std::string> catch_all_;                          // domains with "*@DOMAIN"
  std::map<std::string, std::vector<std::string>> aliases_;  // lowercase source → targets
  std::vector<net::AddressPrefix> relay_from_;
};

}  // namespace mxkit::mta
