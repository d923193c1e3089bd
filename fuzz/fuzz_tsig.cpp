// libFuzzer target: TSIG (RFC 8945) on untrusted messages. The input is read as a signed
// request (the server's check), as the answer to a request we signed (the client's verifier)
// and, after the first octet, as a BIND key file. Nothing may crash; a request whose check says
// "verified" must carry the key it names; a message we sign must verify with our own check.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dns/message.hpp"
#include "dns/tsig.hpp"
#include "fuzz_check.hpp"

namespace {

const std::vector<mxkit::dns::TsigKey>& keys() {
  static const std::vector<mxkit::dns::TsigKey> k = {
      *mxkit::dns::make_tsig_key("tsig.test", "hmac-sha256",
                                 "bXhraXQgdHNpZyB0ZXN0IHNlY3JldCAzMiBvY3RldHM="),
      *mxkit::dns::make_tsig_key("k512.test", "hmac-sha512", "c2VjcmV0")};
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dns = mxkit::dns;
  using mxkit::fuzzing::check;
  const std::span<const std::uint8_t> wire(data, size);
  const std::uint64_t now = 0x6b140c2f;

  if (auto found = dns::find_tsig(wire); found && *found) {
    (void)dns::tsig_rdata_text((*found)->record);
    check((*found)->offset < size);
  }
  if (auto verdict = dns::check_tsig_request(wire, keys(), now)) {
    if (!verdict->formerr && verdict->error == 0) check(verdict->key != nullptr);
    if (!verdict->formerr && size >= dns::kHeaderSize) {
      auto reply = dns::tsig_error_response(wire.first(dns::kHeaderSize), *verdict, now);
      check(reply.size() > dns::kHeaderSize);
    }
  }
  dns::TsigVerifier verifier(keys()[0], std::vector<std::uint8_t>(32, 0));
  (void)verifier.feed(wire, now);

  // Our own signature on any well-framed message without TSIG verifies with our check.
  if (size >= dns::kHeaderSize && size < 4096) {
    auto found = dns::find_tsig(wire);
    if (found && !*found) {
      dns::TsigSigner signer(keys()[1], std::nullopt);
      auto signed_message = signer.sign(wire, now);
      auto again = dns::check_tsig_request(signed_message, keys(), now);
      check(again && !again->formerr && again->error == 0);
    }
  }
  if (size > 0) {
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    (void)dns::parse_bind_key_file(text);
    (void)dns::parse_tsig_key(text);
    (void)dns::parse_dig_tsig_key(text);
  }
  return 0;
}
