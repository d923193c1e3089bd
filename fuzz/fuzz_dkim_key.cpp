// libFuzzer target: any text as a DKIM key record (RFC 6376 §3.6.1). A revoked key has no
// size, a usable RSA key has the size OpenSSL read, an ed25519 key is 256 bits; errors name a
// position inside the record.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "mailauth/dkim.hpp"

using mxkit::fuzzing::check;
using namespace mxkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = mailauth::parse_dkim_key_record(text);
  if (!r) {
    check(r.error().position <= text.size() && !r.error().message.empty());
    return 0;
  }
  if (r->revoked) {
    check(r->key_bits == 0 && r->public_key.empty());
  } else if (r->key_type == mailauth::DkimKeyType::Rsa) {
    check(r->key_bits > 0 && !r->public_key.empty());
  } else if (r->key_type == mailauth::DkimKeyType::Ed25519) {
    check(r->key_bits == 256 && r->public_key.size() == 32);
  }
  return 0;
}
