// The MTA-STS policy area of `mxkit check` (RFC 8461 §3.3, §4.1): what the HTTPS fetch saw
// (mta_sts_probe gathers it) and the findings from it, socket-free.
#pragma once

#include <string>
#include <vector>

#include "checks/finding.hpp"

namespace mxkit::checks {

struct MtaStsFetch {
  bool attempted = false;         // only when the _mta-sts TXT record announces a policy
  std::string url;                // "https://mta-sts.example.test/.well-known/mta-sts.txt"
  std::string host;               // "mta-sts.example.test"
  std::string address;            // the address that answered (or was tried last)
  std::string error;              // why no response was read: DNS, connect, TLS, read, HTTP syntax
  std::string certificate_error;  // the certificate check's failure, empty when it is valid
  unsigned status = 0;            // HTTP status, 0 when none was read
  std::string content_type;
  std::string location;
  std::string body;
};

// `mta-sts-invalid` for a policy that could not be fetched, a bad certificate, a response that
// is not a 200 text/plain, a body that does not parse or doubtful values (a notice);
// `mta-sts-mx-mismatch` for each of `exchanges` (the MX host names) no mx pattern covers: an
// error in enforce mode (senders will not deliver there), a warning in testing mode.
std::vector<Finding> check_mta_sts_policy(const MtaStsFetch& fetch,
                                          const std::vector<std::string>& exchanges);

}  // namespace mxkit::checks
