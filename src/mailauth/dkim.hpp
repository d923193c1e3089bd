// DKIM public key records (RFC 6376 §3.6.1, RFC 8463 for ed25519): tag=value syntax with
// positions in errors, the key type, its size in bits (the RSA key read with OpenSSL), and
// revocation (an empty p=).
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

namespace mxkit::mailauth {

enum class DkimKeyType : std::uint8_t { Rsa, Ed25519, Unknown };
std::string_view dkim_key_type_name(DkimKeyType type);  // "rsa", "ed25519", "unknown"

struct DkimKeyRecord {
  DkimKeyType key_type = DkimKeyType::Rsa;   // k=, default rsa
  std::string key_type_text = "rsa";         // k= as written, lower-cased
  std::vector<std::string> hash_algorithms;  // h=; empty: all
  std::vector<std::string> service_types;    // s=; empty: "*"
  std::vector<std::string> flags;            // t=: "y" testing, "s" strict
  std::string notes;                         // n=
  bool revoked = false;                      // p= empty (RFC 6376 §3.6.1)
  std::vector<std::uint8_t> public_key;      // p= decoded
  unsigned key_bits = 0;  // RSA modulus bits; 256 for ed25519; 0 when revoked or unknown type
  bool testing() const;   // t=y
  std::vector<std::string> warnings;
};

struct DkimSyntaxError {
  std::size_t position = 0;
  std::string message;
};

tl::expected<DkimKeyRecord, DkimSyntaxError> parse_dkim_key_record(std::string_view text);

// "<selector>._domainkey.<domain>" (RFC 6376 §3.6.2.1), without a trailing dot.
std::string dkim_key_name(std::string_view selector, std::string_view domain);

// The key record at <selector>._domainkey.<domain> (RFC 6376 §3.6.2): every TXT string there,
// and the first one parsed (§3.6.2.2: a verifier may use any; several is a publishing mistake).
struct DkimKeyLookup {
  DnsStatus status = DnsStatus::TempFail;
  std::string name;                      // the name asked
  std::vector<std::string> records;      // each TXT RDATA's strings joined
  std::optional<DkimKeyRecord> key;      // records[0] parsed
  std::optional<DkimSyntaxError> error;  // records[0]'s syntax error
  std::string detail;                    // the DNS failure, for TempFail
};
asio::awaitable<DkimKeyLookup> fetch_dkim_key(DnsLookup& dns, std::string selector,
                                              std::string domain);

}  // namespace mxkit::mailauth
