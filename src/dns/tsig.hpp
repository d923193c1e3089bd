// TSIG (RFC 8945): shared-secret signatures on DNS messages, with HMAC-SHA256/384/512 from
// OpenSSL 3. Socket-free: bytes in, bytes out; the clock is a parameter (seconds since 1970).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/name.hpp"

namespace mxkit::dns {

// TSIG error codes (RFC 8945 §3, IANA "TSIG Error values"), carried in the TSIG record's
// Error field; the message's own rcode is NOTAUTH for the first three (§5.2).
namespace tsig_error {
inline constexpr std::uint16_t BADSIG = 16, BADKEY = 17, BADTIME = 18, BADTRUNC = 22;
}

inline constexpr std::uint16_t kDefaultFudge = 300;  // RFC 8945 §10 recommends 300 seconds

enum class TsigAlgorithm : std::uint8_t { hmac_sha256, hmac_sha384, hmac_sha512 };

// "hmac-sha256" (any case, trailing dot allowed) → the algorithm; nullopt when unknown.
std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text);
std::string_view tsig_algorithm_text(TsigAlgorithm algorithm);  // "hmac-sha256"
std::size_t tsig_mac_size(TsigAlgorithm algorithm);             // 32, 48, 64

struct TsigKey {
  Name name;  // compared case-insensitively, digested lower-cased (RFC 8945 §4.3.3)
  TsigAlgorithm algorithm = TsigAlgorithm::hmac_sha256;
  std::vector<std::uint8_t> secret;
};

// "NAME:ALG:BASE64", as `mxkit serve --tsig-key` takes it.
core::Result<TsigKey> parse_tsig_key(std::string_view text);
// "[ALG:]NAME:BASE64", as `dig -y` takes it; hmac-sha256 when ALG is left out.
core::Result<TsigKey> parse_dig_tsig_key(std::string_view text);
// A key from its parts; `where` prefixes the error ("[[dns.key]] 2").
core::Result<TsigKey> make_tsig_key(std::string_view name, std::string_view algorithm,
                                    std::string_view secret_base64);
// BIND's key file: `key "NAME" { algorithm hmac-sha256; secret "BASE64"; };`, one or more,
// with #, // and /* */ comments (what tsig-keygen and ddns-confgen write).
core::Result<std::vector<TsigKey>> parse_bind_key_file(std::string_view text);
// The key of that name (case-insensitive), or nullptr.
const TsigKey* find_tsig_key(std::span<const TsigKey> keys, WireName name);

// The fields of a TSIG record (RFC 8945 §4.2).
struct TsigRecord {
  Name key_name;
  Name algorithm;
  std::uint64_t time_signed = 0;  // 48 bits on the wire
  std::uint16_t fudge = kDefaultFudge;
  std::vector<std::uint8_t> mac;
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;
  std::vector<std::uint8_t> other;
};

// A message's TSIG record and where it starts in the message.
struct TsigLocation {
  TsigRecord record;
  std::size_t offset = 0;
};

// Finds the TSIG record (RFC 8945 §5.1: the last record of the additional section). nullopt
// when there is none; an error (for FORMERR) when one is anywhere else, there are two, or it
// does not decode.
core::Result<std::optional<TsigLocation>> find_tsig(std::span<const std::uint8_t> wire);

// A TSIG record in the presentation form dig prints: "hmac-sha256. 1700000000 300 32 BASE64
// 4660 NOERROR 0" (the error by name, BADSIG etc.).
std::string tsig_rdata_text(const TsigRecord& record);
std::string_view tsig_error_text(std::uint16_t error);  // "NOERROR", "BADSIG", or "" if unknown

// Signs the messages one side sends in one transaction (RFC 8945 §5.1, §5.3): a request, or the
// response (one or a TCP stream) to a request whose MAC is given. The first message is digested
// with all the TSIG variables, later ones with the prior MAC and the timers only (§5.3.1).
// Every message of a stream is signed here, which the RFC allows.
class TsigSigner {
 public:
  // `request_mac`: nullopt when signing a request; else the request's MAC (may be empty).
  TsigSigner(TsigKey key, std::optional<std::vector<std::uint8_t>> request_mac);

  // `message` (which must not hold a TSIG record) with a TSIG record appended and ARCOUNT
  // raised. `error` and `other` go into the record (BADTIME's server time, §5.2.3);
  // `time_signed` defaults to `now`.
  std::vector<std::uint8_t> sign(std::span<const std::uint8_t> message, std::uint64_t now,
                                 std::uint16_t error = 0, std::span<const std::uint8_t> other = {},
                                 std::optional<std::uint64_t> time_signed = std::nullopt);
  const std::vector<std::uint8_t>& last_mac() const { return prior_mac_; }
  const TsigKey& key() const { return key_; }

 private:
  TsigKey key_;
  std::optional<std::vector<std::uint8_t>> request_mac_;
  std::vector<std::uint8_t> prior_mac_;
  bool first_ = true;
};

// Checks the messages that answer a request we signed (RFC 8945 §5.3.1, §5.4): the first must be
// signed with our key over our request's MAC; in a TCP stream up to 99 messages in a row may
// come unsigned (they are digested with the next signed one), and the last must be signed
// (call finish()). An error response from the server (BADKEY, BADSIG: unsigned) is an error
// naming the server's verdict.
class TsigVerifier {
 public:
  TsigVerifier(TsigKey key, std::vector<std::uint8_t> request_mac);

  core::Result<void> feed(std::span<const std::uint8_t> wire, std::uint64_t now);
  core::Result<void> finish() const;  // the stream's last message was signed
  const std::optional<TsigRecord>& last_record() const { return last_; }

 private:
  TsigKey key_;
  std::vector<std::uint8_t> prior_mac_;
  std::vector<std::uint8_t> pending_;  // unsigned messages since the last signed one
  std::size_t unsigned_run_ = 0;
  bool first_ = true;
  bool last_signed_ = false;
  std::optional<TsigRecord> last_;
};

// The server's check of a request (RFC 8945 §5.2).
struct TsigRequestCheck {
  // 0 (verified), BADKEY, BADSIG, BADTIME or BADTRUNC; with `formerr` the TSIG was misplaced
  // or malformed and the reply is FORMERR without TSIG (§5.2, §5.2.2.1).
  std::uint16_t error = 0;
  bool formerr = false;
  const TsigKey* key = nullptr;  // set when the key is known
  TsigRecord record;             // the request's TSIG
  std::string why;               // for the log
};

// nullopt when the request carries no TSIG.
std::optional<TsigRequestCheck> check_tsig_request(std::span<const std::uint8_t> wire,
                                                   std::span<const TsigKey> keys,
                                                   std::uint64_t now);

// The TSIG answer to a request `check` did not verify (BADKEY, BADSIG, BADTIME, BADTRUNC):
// `response` (rcode NOTAUTH, set by the caller) with a TSIG record appended. BADKEY and BADSIG
// are unsigned, with an empty MAC (§5.3.2); BADTIME and BADTRUNC are signed over the request's
// MAC, BADTIME carrying our clock in Other Data (§5.2.3).
std::vector<std::uint8_t> tsig_error_response(std::span<const std::uint8_t> response,
                                              const TsigRequestCheck& check, std::uint64_t now);

// Seconds since 1970 by the system clock.
std::uint64_t tsig_now();

}  // namespace mxkit::dns
