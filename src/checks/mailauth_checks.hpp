// The SPF, DMARC and DKIM areas of `mxkit check`, on src/mailauth's evaluator and parsers:
// the facts (gathered by probe_mailauth over the resolver) and the findings (socket-free).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "checks/finding.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dmarc.hpp"
#include "mailauth/spf.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::checks {

struct SpfMxOutcome {
  std::string exchange;
  std::string address;
  mailauth::SpfOutcome outcome;
};

struct DmarcReportAuthorization {
  std::string uri;
  std::string name;  // where the authorisation record must be (RFC 7489 §7.1)
  bool authorized = false;
};

struct DkimSelectorFacts {
  std::string selector;
  bool requested = false;  // given with --dkim-selector (else one of the common ones)
  mailauth::DkimKeyLookup lookup;
};

struct MailAuthFacts {
  std::string domain;  // no trailing dot
  mailauth::SpfRecordSet spf;
  // check_host() from an address no record names (TEST-NET-1): every term is evaluated, so the
  // lookup counts are the record's worst case.
  std::optional<mailauth::SpfOutcome> spf_probe;
  std::vector<SpfMxOutcome> spf_mx;  // check_host() for each MX address
  mailauth::DmarcDiscovery dmarc;
  std::vector<DmarcReportAuthorization> report_authorizations;
  std::vector<DkimSelectorFacts> dkim;
};

// The selectors looked for besides --dkim-selector: the defaults of common signers.
const std::vector<std::string>& common_dkim_selectors();

struct MxAddressRef {
  std::string exchange;
  std::string address;
};

asio::awaitable<MailAuthFacts> probe_mailauth(resolver::Resolver& resolver, std::string domain,
                                              std::vector<MxAddressRef> mx_addresses,
                                              std::vector<std::string> dkim_selectors);

std::vector<Finding> check_spf(const MailAuthFacts& facts);
std::vector<Finding> check_dmarc(const MailAuthFacts& facts);
std::vector<Finding> check_dkim(const MailAuthFacts& facts);

}  // namespace mxkit::checks
