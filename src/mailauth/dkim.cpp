// The DKIM key record parser (RFC 6376 §3.6.1; ed25519 keys from RFC 8463 §4).
#include "mailauth/dkim.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/ascii.hpp"
#include "core/encoding.hpp"
#include "mailauth/tag_list.hpp"

namespace mxkit::mailauth {
namespace {

using Unexpected = tl::unexpected<DkimSyntaxError>;

Unexpected error_at(std::size_t position, std::string message) {
  return Unexpected(DkimSyntaxError{position, std::move(message)});
}

// A colon-separated list (h=, s=, t=), items trimmed and lower-cased.
std::vector<std::string> colon_list(std::string_view value) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(':', start);
    if (end == std::string_view::npos) end = value.size();
    std::string item = core::ascii_lower(without_whitespace(value.substr(start, end - start)));
    if (!item.empty()) items.push_back(std::move(item));
    start = end + 1;
  }
  return items;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// The modulus size of an RSA key in p=: RFC 6376 §3.6.1 names RSAPublicKey, but signers and
// RFC 6376 Appendix C publish a SubjectPublicKeyInfo; both are accepted. 0: not an RSA key.
unsigned rsa_key_bits(const std::vector<std::uint8_t>& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || p != der.data() + der.size()) {
    p = der.data();
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
    if (!key || p != der.data() + der.size()) return 0;
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return 0;
  const int bits = EVP_PKEY_get_bits(key.get());
  return bits > 0 ? static_cast<unsigned>(bits) : 0;
}

}  // namespace

std::string_view dkim_key_type_name(DkimKeyType type) {
  switch (type) {
    case DkimKeyType::Rsa: return "rsa";
    case DkimKeyType::Ed25519: return "ed25519";
    case DkimKeyType::Unknown: return "unknown";
  }
  return "unknown";
}

bool DkimKeyRecord::testing() const {
  return std::find(flags.begin(), flags.end(), "y") != flags.end();
}

tl::expected<DkimKeyRecord, DkimSyntaxError> parse_dkim_key_record(std::string_view text) {
  auto tags = parse_tag_list(text);
  if (!tags) return error_at(tags.error().position, tags.error().message);
  DkimKeyRecord record;
  const Tag* key = nullptr;
  for (std::size_t i = 0; i < tags->size(); ++i) {
    const Tag& tag = (*tags)[i];
    if (tag.name == "v") {
      // §3.6.1: if present, "DKIM1" and the first tag.
      if (i != 0) return error_at(tag.name_at, "v= must be the first tag");
      if (tag.value != "DKIM1")
        return error_at(tag.value_at,
                        fmt::format("v=\"{}\": the only version is DKIM1", tag.value));
    } else if (tag.name == "h") {
      record.hash_algorithms = colon_list(tag.value);
      for (const auto& h : record.hash_algorithms)
        if (h != "sha1" && h != "sha256")
          record.warnings.push_back(fmt::format("h=: unknown hash algorithm \"{}\" is ignored", h));
      if (record.hash_algorithms.size() == 1 && record.hash_algorithms[0] == "sha1")
        record.warnings.push_back("h=sha1 only: SHA-1 signatures are no longer trusted (RFC 8301)");
    } else if (tag.name == "k") {
      record.key_type_text = core::ascii_lower(tag.value);
      if (record.key_type_text == "rsa") {
        record.key_type = DkimKeyType::Rsa;
      } else if (record.key_type_text == "ed25519") {
        record.key_type = DkimKeyType::Ed25519;
      } else {
        record.key_type = DkimKeyType::Unknown;
        record.warnings.push_back(
            fmt::format("k=\"{}\": unknown key type, verifiers ignore the key", tag.value));
      }
    } else if (tag.name == "n") {
      record.notes = tag.value;
    } else if (tag.name == "p") {
      key = &tag;
    } else if (tag.name == "s") {
      record.service_types = colon_list(tag.value);
      if (!record.service_types.empty() &&
          std::find(record.service_types.begin(), record.service_types.end(), "*") ==
              record.service_types.end() &&
          std::find(record.service_types.begin(), record.service_types.end(), "email") ==
              record.service_types.end())
        record.warnings.push_back(
            "s= allows neither \"email\" nor \"*\": no mail signature can use the key");
    } else if (tag.name == "t") {
      record.flags = colon_list(tag.value);
    }
    // Other tags are ignored (§3.6.1: "Unrecognized tags MUST be ignored").
  }
  if (!key) return error_at(text.size(), "no p= tag: the public key is required (RFC 6376 §3.6.1)");
  const std::string data = without_whitespace(key->value);
  if (data.empty()) {
    record.revoked = true;  // §3.6.1: an empty p= means the key has been revoked
    return record;
  }
  core::Bytes decoded;
  if (auto ok = core::decode_base64(data, decoded); !ok)
    return error_at(key->value_at, "p= is not valid Base64: " + ok.error().message);
  record.public_key = std::move(decoded);
  switch (record.key_type) {
    case DkimKeyType::Rsa:
      record.key_bits = rsa_key_bits(record.public_key);
      if (record.key_bits == 0)
        return error_at(key->value_at,
                        "p= is not an RSA public key (SubjectPublicKeyInfo or "
                        "RSAPublicKey DER)");
      break;
    case DkimKeyType::Ed25519:
      // RFC 8463 §4: the raw 32-octet public key.
      if (record.public_key.size() != 32)
        return error_at(key->value_at, fmt::format("p= holds {} octets; an ed25519 key is 32 "
                                                   "(RFC 8463 §4)",
                                                   record.public_key.size()));
      record.key_bits = 256;
      break;
    case DkimKeyType::Unknown: break;
  }
  return record;
}

std::string dkim_key_name(std::string_view selector, std::string_view domain) {
  std::string d(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  return fmt::format("{}._domainkey.{}", selector, d);
}

}  // namespace mxkit::mailauth
