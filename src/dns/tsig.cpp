// TSIG signing and verification (RFC 8945 §4.3, §5): the MAC is an HMAC over the request's MAC
// (responses), the message as it was before the TSIG record was added, and the TSIG variables.
#include "dns/tsig.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/encoding.hpp"
#include "dns/message.hpp"
#include "dns/rrtype.hpp"
#include "dns/wire_reader.hpp"

namespace mxkit::dns {

std::uint64_t tsig_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

namespace {

// One HMAC computation fed piece by piece (OpenSSL 3 EVP_MAC). The MAC method is fetched
// once per process: fetching looks the provider up by name, too slow for every message.
class Hmac {
 public:
  Hmac(TsigAlgorithm algorithm, std::span<const std::uint8_t> secret) {
    static EVP_MAC* method = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_.reset(method ? EVP_MAC_CTX_new(method) : nullptr);
    const char* digest = algorithm == TsigAlgorithm::hmac_sha256   ? "SHA256"
                         : algorithm == TsigAlgorithm::hmac_sha384 ? "SHA384"
                                                                   : "SHA512";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_end()};
    // An empty key is legal HMAC, but OpenSSL wants a non-null pointer.
    static const std::uint8_t kNothing = 0;
    ok_ = ctx_ && EVP_MAC_init(ctx_.get(), secret.empty() ? &kNothing : secret.data(),
                               secret.size(), params) == 1;
  }
  void update(std::span<const std::uint8_t> data) {
    if (ok_ && !data.empty()) ok_ = EVP_MAC_update(ctx_.get(), data.data(), data.size()) == 1;
  }
  void u16(std::uint16_t v) {
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    update(b);
  }
  // An empty result means OpenSSL failed (no provider for the digest): no MAC ever matches it.
  std::vector<std::uint8_t> finish() {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    std::size_t length = 0;
    if (!ok_ || EVP_MAC_final(ctx_.get(), out.data(), &length, out.size()) != 1) return {};
    out.resize(length);
    return out;
  }

 private:
  struct Free {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  std::unique_ptr<EVP_MAC_CTX, Free> ctx_;
  bool ok_ = false;
};

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put48(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int shift = 40; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

Name algorithm_name(TsigAlgorithm algorithm) {
  std::string text(tsig_algorithm_text(algorithm));
  text.push_back('.');
  return *Name::from_text(text);
}

// RFC 8945 §4.3.2: the message as it was before the TSIG record was added: ARCOUNT one less,
// and the original ID in place of the ID (a forwarder may have changed it).
void digest_message(Hmac& h, std::span<const std::uint8_t> wire, std::size_t tsig_offset,
                    std::uint16_t original_id, bool had_tsig) {
  std::uint8_t header[kHeaderSize];
  std::copy_n(wire.begin(), kHeaderSize, header);
  header[0] = static_cast<std::uint8_t>(original_id >> 8);
  header[1] = static_cast<std::uint8_t>(original_id);
  if (had_tsig) {
    const auto arcount = static_cast<std::uint16_t>((header[10] << 8 | header[11]) - 1);
    header[10] = static_cast<std::uint8_t>(arcount >> 8);
    header[11] = static_cast<std::uint8_t>(arcount);
  }
  h.update(header);
  h.update(wire.subspan(kHeaderSize, tsig_offset - kHeaderSize));
}

// RFC 8945 §4.3.3 (all variables) and §4.3.1's timers-only form for later stream messages.
void digest_variables(Hmac& h, const TsigRecord& r, bool timers_only) {
  std::vector<std::uint8_t> v;
  if (!timers_only) {
    auto name = r.key_name.lowercase();
    v.insert(v.end(), name.wire().begin(), name.wire().end());
    put16(v, rrclass::ANY);
    v.insert(v.end(), 4, 0);  // TTL 0
    auto algorithm = r.algorithm.lowercase();
    v.insert(v.end(), algorithm.wire().begin(), algorithm.wire().end());
  }
  put48(v, r.time_signed);
  put16(v, r.fudge);
  if (!timers_only) {
    put16(v, r.error);
    put16(v, static_cast<std::uint16_t>(r.other.size()));
    v.insert(v.end(), r.other.begin(), r.other.end());
  }
  h.update(v);
}

void digest_prior_mac(Hmac& h, std::span<const std::uint8_t> mac) {
  h.u16(static_cast<std::uint16_t>(mac.size()));
  h.update(mac);
}

// Appends the TSIG record (RFC 8945 §4.2) to `message` and raises ARCOUNT. Names are written
// uncompressed, as RFC 8945 §4.2 asks.
std::vector<std::uint8_t> append_tsig(std::span<const std::uint8_t> message, const TsigRecord& r) {
  std::vector<std::uint8_t> out(message.begin(), message.end());
  out.insert(out.end(), r.key_name.wire().begin(), r.key_name.wire().end());
  put16(out, rrtype::TSIG);
  put16(out, rrclass::ANY);
  out.insert(out.end(), 4, 0);
  std::vector<std::uint8_t> rdata;
  rdata.insert(rdata.end(), r.algorithm.wire().begin(), r.algorithm.wire().end());
  put48(rdata, r.time_signed);
  put16(rdata, r.fudge);
  put16(rdata, static_cast<std::uint16_t>(r.mac.size()));
  rdata.insert(rdata.end(), r.mac.begin(), r.mac.end());
  put16(rdata, r.original_id);
  put16(rdata, r.error);
  put16(rdata, static_cast<std::uint16_t>(r.other.size()));
  rdata.insert(rdata.end(), r.other.begin(), r.other.end());
  put16(out, static_cast<std::uint16_t>(rdata.size()));
  out.insert(out.end(), rdata.begin(), rdata.end());
  const auto arcount = static_cast<std::uint16_t>((out[10] << 8 | out[11]) + 1);
  out[10] = static_cast<std::uint8_t>(arcount >> 8);
  out[11] = static_cast<std::uint8_t>(arcount);
  return out;
}

bool macs_equal(std::span<const std::uint8_t> computed, std::span<const std::uint8_t> given) {
  return !computed.empty() && given.size() <= computed.size() &&
         CRYPTO_memcmp(computed.data(), given.data(), given.size()) == 0;
}

bool time_ok(std::uint64_t now, const TsigRecord& r) {
  const std::uint64_t skew = now > r.time_signed ? now - r.time_signed : r.time_signed - now;
  return skew <= r.fudge;
}

bool algorithm_matches(const TsigKey& key, const Name& algorithm) {
  auto known = tsig_algorithm_from_text(algorithm.to_text());
  return known && *known == key.algorithm;
}

}  // namespace

core::Result<std::optional<TsigLocation>> find_tsig(std::span<const std::uint8_t> wire) {
  if (wire.size() < kHeaderSize) return core::fail("the message is shorter than its header");
  WireReader in(wire, kHeaderSize);
  auto count = [&](std::size_t at) {
    return static_cast<std::size_t>(wire[at] << 8 | wire[at + 1]);
  };
  const std::size_t questions = count(4);
  const std::size_t records = count(6) + count(8) + count(10);
  std::uint8_t name[kMaxNameLength];
  for (std::size_t i = 0; i < questions && in.ok(); ++i) {
    in.name(name);
    in.skip(4, "question");
  }
  if (!in.ok()) return core::fail("question: " + in.error());
  std::optional<TsigLocation> found;
  for (std::size_t i = 0; i < records; ++i) {
    const std::size_t start = in.position();
    const std::size_t name_length = in.name(name);
    const std::uint16_t type = in.u16("record type");
    const std::uint16_t cls = in.u16("record class");
    in.skip(4, "record TTL");
    const std::uint16_t rdlength = in.u16("record length");
    const std::size_t rdata_at = in.position();
    in.skip(rdlength, "record data");
    if (!in.ok()) return core::fail(in.error());
    if (type != rrtype::TSIG) continue;
    // RFC 8945 §5.1: one TSIG, the very last record; anywhere else the message is FORMERR.
    if (i + 1 != records || i < count(6) + count(8))
      return core::fail("a TSIG record that is not the last record (RFC 8945 §5.1)");
    if (cls != rrclass::ANY)
      return core::fail("a TSIG record whose class is not ANY (RFC 8945 §4.2)");
    TsigLocation location;
    location.offset = start;
    TsigRecord& r = location.record;
    r.key_name = Name::from_wire({name, name_length});
    WireReader rd(wire.first(rdata_at + rdlength), rdata_at);
    const std::size_t algorithm_length = rd.name(name);
    const std::uint64_t high = rd.u16("TSIG time signed");
    r.time_signed = high << 32 | rd.u32("TSIG time signed");
    r.fudge = rd.u16("TSIG fudge");
    auto mac = rd.bytes(rd.u16("TSIG MAC size"), "TSIG MAC");
    r.original_id = rd.u16("TSIG original ID");
    r.error = rd.u16("TSIG error");
    auto other = rd.bytes(rd.u16("TSIG other length"), "TSIG other data");
    if (!rd.ok()) return core::fail(rd.error());
    if (rd.remaining() != 0) return core::fail("octets after the TSIG record's fields");
    r.algorithm = Name::from_wire({name, algorithm_length});
    r.mac.assign(mac.begin(), mac.end());
    r.other.assign(other.begin(), other.end());
    found = std::move(location);
  }
  if (in.remaining() != 0) return core::fail("octets after the last record");
  return found;
}

std::string_view tsig_error_text(std::uint16_t error) {
  switch (error) {
    case 0: return "NOERROR";
    case tsig_error::BADSIG: return "BADSIG";
    case tsig_error::BADKEY: return "BADKEY";
    case tsig_error::BADTIME: return "BADTIME";
    case tsig_error::BADTRUNC: return "BADTRUNC";
    default: return "";
  }
}

std::string tsig_rdata_text(const TsigRecord& r) {
  std::string text = r.algorithm.to_text();
  text += ' ' + std::to_string(r.time_signed) + ' ' + std::to_string(r.fudge) + ' ' +
          std::to_string(r.mac.size()) + ' ';
  if (!r.mac.empty()) {
    core::append_base64(r.mac, text);
    text += ' ';
  }
  text += std::to_string(r.original_id) + ' ';
  auto error = tsig_error_text(r.error);
  text += error.empty() ? std::to_string(r.error) : std::string(error);
  text += ' ' + std::to_string(r.other.size());
  if (!r.other.empty()) {
    text += ' ';
    core::append_base64(r.other, text);
  }
  return text;
}

TsigSigner::TsigSigner(TsigKey key, std::optional<std::vector<std::uint8_t>> request_mac)
    : key_(std::move(key)), request_mac_(std::move(request_mac)) {}

std::vector<std::uint8_t> TsigSigner::sign(std::span<const std::uint8_t> message, std::uint64_t now,
                                           std::uint16_t error, std::span<const std::uint8_t> other,
                                           std::optional<std::uint64_t> time_signed) {
  TsigRecord r;
  r.key_name = key_.name;
  r.algorithm = algorithm_name(key_.algorithm);
  r.time_signed = time_signed.value_or(now);
  r.original_id = static_cast<std::uint16_t>(message[0] << 8 | message[1]);
  r.error = error;
  r.other.assign(other.begin(), other.end());
  Hmac h(key_.algorithm, key_.secret);
  if (first_ && request_mac_) digest_prior_mac(h, *request_mac_);
  if (!first_) digest_prior_mac(h, prior_mac_);
  digest_message(h, message, message.size(), r.original_id, false);
  digest_variables(h, r, !first_);  // RFC 8945 §5.3.1: later messages digest the timers only
  r.mac = h.finish();
  prior_mac_ = r.mac;
  first_ = false;
  return append_tsig(message, r);
}

TsigVerifier::TsigVerifier(TsigKey key, std::vector<std::uint8_t> request_mac)
    : key_(std::move(key)), prior_mac_(std::move(request_mac)) {}

core::Result<void> TsigVerifier::feed(std::span<const std::uint8_t> wire, std::uint64_t now) {
  auto found = find_tsig(wire);
  if (!found) return core::fail("TSIG: " + found.error().message);
  if (!*found) {
    // RFC 8945 §5.3.1: the first message must be signed; up to 99 may follow unsigned.
    if (first_) return core::fail("TSIG: the response is not signed (RFC 8945 §5.3)");
    if (++unsigned_run_ > 99)
      return core::fail("TSIG: more than 99 unsigned messages in a row (RFC 8945 §5.3.1)");
    pending_.insert(pending_.end(), wire.begin(), wire.end());
    last_signed_ = false;
    return {};
  }
  const TsigRecord& r = (*found)->record;
  last_ = r;
  if (r.error != 0 && r.mac.empty()) {
    auto name = tsig_error_text(r.error);
    return core::fail("TSIG: the server answered " +
                      (name.empty() ? "error " + std::to_string(r.error) : std::string(name)) +
                      " for key " + r.key_name.to_text());
  }
  if (!(r.key_name == key_.name) || !algorithm_matches(key_, r.algorithm))
    return core::fail("TSIG: the response is signed with key " + r.key_name.to_text() + " (" +
                      r.algorithm.to_text() + "), not ours");
  Hmac h(key_.algorithm, key_.secret);
  digest_prior_mac(h, prior_mac_);
  h.update(pending_);
  digest_message(h, wire, (*found)->offset, r.original_id, true);
  digest_variables(h, r, !first_);
  const auto mac = h.finish();
  const std::size_t full = tsig_mac_size(key_.algorithm);
  if (r.mac.size() < std::max<std::size_t>(10, full / 2) || !macs_equal(mac, r.mac))
    return core::fail("TSIG: BADSIG: the response's MAC does not verify with key " +
                      key_.name.to_text());
  if (r.error == tsig_error::BADTIME)
    return core::fail("TSIG: the server answered BADTIME: the clocks differ by more than " +
                      std::to_string(r.fudge) + " s");
  if (r.error != 0) return core::fail("TSIG: the server answered error " + std::to_string(r.error));
  if (!time_ok(now, r))
    return core::fail("TSIG: BADTIME: the response was signed at " + std::to_string(r.time_signed) +
                      ", outside " + std::to_string(r.fudge) + " s of our clock");
  prior_mac_ = r.mac;
  pending_.clear();
  unsigned_run_ = 0;
  first_ = false;
  last_signed_ = true;
  return {};
}

core::Result<void> TsigVerifier::finish() const {
  if (first_ || !last_signed_)
    return core::fail("TSIG: the last message of the response is not signed (RFC 8945 §5.3.1)");
  return {};
}

std::optional<TsigRequestCheck> check_tsig_request(std::span<const std::uint8_t> wire,
                                                   std::span<const TsigKey> keys,
                                                   std::uint64_t now) {
  auto found = find_tsig(wire);
  TsigRequestCheck check;
  if (!found) {
    check.formerr = true;
    check.why = found.error().message;
    return check;
  }
  if (!*found) return std::nullopt;
  check.record = std::move((*found)->record);
  const TsigRecord& r = check.record;
  // RFC 8945 §5.2.1: an unknown key, or a known key with another algorithm, is BADKEY.
  check.key = find_tsig_key(keys, r.key_name.wire());
  if (!check.key || !algorithm_matches(*check.key, r.algorithm)) {
    check.key = nullptr;
    check.error = tsig_error::BADKEY;
    check.why = "unknown key " + r.key_name.to_text() + " (" + r.algorithm.to_text() + ")";
    return check;
  }
  // RFC 8945 §5.2.2.1: a MAC longer than the hash, or shorter than half of it or 10 octets,
  // is FORMERR.
  const std::size_t full = tsig_mac_size(check.key->algorithm);
  if (r.mac.size() > full || r.mac.size() < std::max<std::size_t>(10, full / 2)) {
    check.formerr = true;
    check.why = "a TSIG MAC of " + std::to_string(r.mac.size()) + " octets";
    return check;
  }
  Hmac h(check.key->algorithm, check.key->secret);
  digest_message(h, wire, (*found)->offset, r.original_id, true);
  digest_variables(h, r, false);
  if (!macs_equal(h.finish(), r.mac)) {
    check.error = tsig_error::BADSIG;
    check.why = "the MAC does not verify with key " + r.key_name.to_text();
    return check;
  }
  // RFC 8945 §5.2.3: the time is checked after the MAC, so only a genuine request learns ours.
  if (!time_ok(now, r)) {
    check.error = tsig_error::BADTIME;
    check.why = "signed at " + std::to_string(r.time_signed) + ", outside " +
                std::to_string(r.fudge) + " s of our clock (" + std::to_string(now) + ")";
    return check;
  }
  // §5.2.2.2: we take no truncated MAC (our local minimum is the whole hash).
  if (r.mac.size() < full) {
    check.error = tsig_error::BADTRUNC;
    check.why = "a truncated MAC";
  }
  return check;
}

std::vector<std::uint8_t> tsig_error_response(std::span<const std::uint8_t> response,
                                              const TsigRequestCheck& check, std::uint64_t now) {
  if (check.error == tsig_error::BADKEY || check.error == tsig_error::BADSIG || !check.key) {
    // RFC 8945 §5.3.2: unsigned: an empty MAC, the request's key and algorithm names.
    TsigRecord r;
    r.key_name = check.record.key_name;
    r.algorithm = check.record.algorithm;
    r.time_signed = now;
    r.fudge = check.record.fudge;
    r.original_id = static_cast<std::uint16_t>(response[0] << 8 | response[1]);
    r.error = check.error;
    return append_tsig(response, r);
  }
  TsigSigner signer(*check.key, check.record.mac);
  if (check.error == tsig_error::BADTIME) {
    // §5.2.3: our clock in Other Data; signed at the request's time so the client's own time
    // check passes and it can read the difference.
    std::vector<std::uint8_t> other;
    put48(other, now);
    return signer.sign(response, now, check.error, other, check.record.time_signed);
  }
  return signer.sign(response, now, check.error);
}

}  // namespace mxkit::dns
