// The server's TSIG step: verify, or build the refusal RFC 8945 §5.2 asks for.
#include "auth/tsig_gate.hpp"

#include "auth/query.hpp"
#include "auth/xfr.hpp"
#include "dns/message.hpp"

namespace mxkit::auth {

TsigGate check_request_tsig(std::span<const std::uint8_t> wire, std::span<const dns::TsigKey> keys,
                            std::uint64_t now) {
  TsigGate gate;
  if (!may_be_signed(wire)) return gate;
  gate.check = dns::check_tsig_request(wire, keys, now);
  if (!gate.check) return gate;
  if (!gate.check->formerr && gate.check->error == 0) {
    gate.verdict = TsigGate::Verdict::verified;
    return gate;
  }
  gate.verdict = TsigGate::Verdict::rejected;
  Query q;
  std::string why;
  if (parse_query(wire, q, why) == QueryParse::drop) return gate;
  if (gate.check->formerr) {
    gate.reply = transfer_error(q, dns::rcode::FORMERR);
    return gate;
  }
  gate.reply = dns::tsig_error_response(transfer_error(q, dns::rcode::NOTAUTH), *gate.check, now);
  return gate;
}

dns::TsigSigner reply_signer(const dns::TsigRequestCheck& check) {
  return dns::TsigSigner(*check.key, check.record.mac);
}

bool signed_with(const TsigGate& gate, const dns::TsigKey* required) {
  if (!required) return true;
  return gate.verdict == TsigGate::Verdict::verified && gate.check->key &&
         dns::names_equal(gate.check->key->name.wire(), required->name.wire());
}

}  // namespace mxkit::auth
