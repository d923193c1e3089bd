// Certificate facts through OpenSSL 3 (see certificate.hpp).
#include "checks/certificate.hpp"

#include <ctime>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mxkit::checks {

namespace {

std::string name_text(const X509_NAME* name) {
  char buffer[512];
  X509_NAME_oneline(name, buffer, sizeof buffer);
  return buffer;
}

std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string hex(const unsigned char* data, unsigned size) {
  std::string out;
  for (unsigned i = 0; i < size; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

std::string sha256_of(const unsigned char* data, std::size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_Digest(data, size, digest, &length, EVP_sha256(), nullptr);
  return hex(digest, length);
}

}  // namespace

CertificateFacts certificate_facts(SSL* ssl, const std::string& host) {
  CertificateFacts c;
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), X509_free);
  if (!cert) {
    c.verify_error = "no certificate presented";
    return c;
  }
  c.subject = name_text(X509_get_subject_name(cert.get()));
  c.issuer = name_text(X509_get_issuer_name(cert.get()));
  if (auto* sans = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
      if (n->type == GEN_DNS)
        c.names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                             static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
    }
    GENERAL_NAMES_free(sans);
  }
  const ASN1_TIME* before = X509_get0_notBefore(cert.get());
  const ASN1_TIME* after = X509_get0_notAfter(cert.get());
  c.not_before = time_text(before);
  c.not_after = time_text(after);
  c.not_yet_valid = X509_cmp_current_time(before) > 0;
  c.expired = X509_cmp_current_time(after) < 0;
  int days = 0, seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, after) == 1) c.days_left = days;
  std::string name = host;
  if (!name.empty() && name.back() == '.') name.pop_back();
  // RFC 6125 §6.4: subjectAltName DNS names, a "*" only as the whole left-most label. DNS-IDs
  // only (RFC 6125 §6.4.4, RFC 7672 §3.2.3, RFC 8461 §4.2): never OpenSSL's fallback to the
  // subject's CN when there is no DNS-ID. That fallback is asked for separately, only to say
  // why the name did not match.
  const auto matches = [&](unsigned int flags) {
    return X509_check_host(cert.get(), name.data(), name.size(), flags, nullptr) == 1;
  };
  c.name_matches =
      matches(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  c.name_only_in_cn = !c.name_matches && matches(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const long verify = SSL_get_verify_result(ssl);
  c.chain_verified = verify == X509_V_OK;
  if (!c.chain_verified) c.verify_error = X509_verify_cert_error_string(verify);
  // TLSA matching data (RFC 6698 §2.1): selector 0 the whole DER, 1 the SubjectPublicKeyInfo.
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(cert.get(), &der);
  if (der_size > 0) {
    c.sha256 = sha256_of(der, static_cast<std::size_t>(der_size));
    OPENSSL_free(der);
  }
  unsigned char* spki = nullptr;
  const int spki_size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
  if (spki_size > 0) {
    c.spki_sha256 = sha256_of(spki, static_cast<std::size_t>(spki_size));
    OPENSSL_free(spki);
  }
  return c;
}

}  // namespace mxkit::checks
