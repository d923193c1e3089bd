// The server's TSIG step (RFC 8945 §5.2, §5.3): a request's signature is checked before the
// request is served; a bad one is answered at once, a good one makes every reply signed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns/tsig.hpp"

namespace mxkit::auth {

struct TsigGate {
  enum class Verdict { unsigned_request, verified, rejected };
  Verdict verdict = Verdict::unsigned_request;
  std::optional<dns::TsigRequestCheck> check;  // verified or rejected: what the check found
  std::vector<std::uint8_t> reply;             // rejected: the whole answer to send
};

// Checks `wire`'s TSIG, if any, against `keys`. A misplaced or malformed TSIG is answered
// FORMERR; an unknown key, a bad MAC or a stale time NOTAUTH with the TSIG error (§5.2);
// a request too broken to answer at all (no header, QR set) gets an empty reply.
TsigGate check_request_tsig(std::span<const std::uint8_t> wire, std::span<const dns::TsigKey> keys,
                            std::uint64_t now);

// True when the message may hold a TSIG record (it has additional records): the cheap test
// that keeps unsigned queries off the slow path.
inline bool may_be_signed(std::span<const std::uint8_t> wire) {
  return wire.size() >= 12 && (wire[10] | wire[11]) != 0;
}

// The signer for the replies to a verified request (the request's MAC is digested first).
dns::TsigSigner reply_signer(const dns::TsigRequestCheck& check);

// True when the request was verified with the key named `required` (nullptr: none required,
// always true).
bool signed_with(const TsigGate& gate, const dns::TsigKey* required);

}  // namespace mxkit::auth
