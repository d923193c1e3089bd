// The facts of a TLS peer's certificate after a handshake (OpenSSL): names, validity, whether
// the chain verified and the host name matched, and the digests TLSA records use.
#pragma once

#include <string>

#include <openssl/ssl.h>

#include "checks/smtp_checks.hpp"

namespace mxkit::checks {

// `host` is the name the certificate should carry ("mx1.example.test.", the dot is ignored).
CertificateFacts certificate_facts(SSL* ssl, const std::string& host);

}  // namespace mxkit::checks
