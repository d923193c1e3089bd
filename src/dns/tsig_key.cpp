// TSIG keys as operators write them: NAME:ALG:BASE64 on a command line, `dig -y`'s
// [ALG:]NAME:SECRET, and BIND's key files (tsig-keygen's output).
#include <cctype>
#include <string>

#include "core/ascii.hpp"
#include "core/encoding.hpp"
#include "dns/tsig.hpp"

namespace mxkit::dns {

std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  const std::string lower = core::ascii_lower(text);
  if (lower == "hmac-sha256") return TsigAlgorithm::hmac_sha256;
  if (lower == "hmac-sha384") return TsigAlgorithm::hmac_sha384;
  if (lower == "hmac-sha512") return TsigAlgorithm::hmac_sha512;
  return std::nullopt;
}

std::string_view tsig_algorithm_text(TsigAlgorithm algorithm) {
  switch (algorithm) {
    case TsigAlgorithm::hmac_sha256: return "hmac-sha256";
    case TsigAlgorithm::hmac_sha384: return "hmac-sha384";
    case TsigAlgorithm::hmac_sha512: return "hmac-sha512";
  }
  return "hmac-sha256";
}

std::size_t tsig_mac_size(TsigAlgorithm algorithm) {
  switch (algorithm) {
    case TsigAlgorithm::hmac_sha256: return 32;
    case TsigAlgorithm::hmac_sha384: return 48;
    case TsigAlgorithm::hmac_sha512: return 64;
  }
  return 32;
}

core::Result<TsigKey> make_tsig_key(std::string_view name, std::string_view algorithm,
                                    std::string_view secret_base64) {
  if (name.empty()) return core::fail("the key has no name");
  std::string absolute(name);
  if (absolute.back() != '.') absolute.push_back('.');
  auto key_name = Name::from_text(absolute);
  if (!key_name)
    return core::fail("key name \"" + std::string(name) + "\": " + key_name.error().message);
  auto alg = tsig_algorithm_from_text(algorithm);
  if (!alg)
    return core::fail("algorithm \"" + std::string(algorithm) +
                      "\" is not hmac-sha256, hmac-sha384 or hmac-sha512");
  TsigKey key{*key_name, *alg, {}};
  if (auto r = core::decode_base64(secret_base64, key.secret); !r)
    return core::fail("the secret of key " + key_name->to_text() +
                      " is not Base64: " + r.error().message);
  if (key.secret.empty())
    return core::fail("the secret of key " + key_name->to_text() + " is empty");
  return key;
}

core::Result<TsigKey> parse_tsig_key(std::string_view text) {
  const auto first = text.find(':');
  const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos)
    return core::fail("expected NAME:ALGORITHM:BASE64 (e.g. xfr.key:hmac-sha256:c2VjcmV0)");
  return make_tsig_key(text.substr(0, first), text.substr(first + 1, second - first - 1),
                       text.substr(second + 1));
}

core::Result<TsigKey> parse_dig_tsig_key(std::string_view text) {
  const auto first = text.find(':');
  if (first == std::string_view::npos) return core::fail("expected [ALGORITHM:]NAME:SECRET");
  const auto second = text.find(':', first + 1);
  if (second == std::string_view::npos)
    return make_tsig_key(text.substr(0, first), "hmac-sha256", text.substr(first + 1));
  return make_tsig_key(text.substr(first + 1, second - first - 1), text.substr(0, first),
                       text.substr(second + 1));
}

const TsigKey* find_tsig_key(std::span<const TsigKey> keys, WireName name) {
  for (const auto& key : keys)
    if (names_equal(key.name.wire(), name)) return &key;
  return nullptr;
}

namespace {

// BIND's configuration grammar, as much as key files use: words, quoted strings, { } ;
// and three comment styles.
std::vector<std::string> config_tokens(std::string_view text, std::string& error) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || text.substr(i, 2) == "//") {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (text.substr(i, 2) == "/*") {
      const auto end = text.find("*/", i + 2);
      if (end == std::string_view::npos) {
        error = "a /* comment is not closed";
        return {};
      }
      i = end + 2;
    } else if (c == '{' || c == '}' || c == ';') {
      tokens.emplace_back(1, c);
      ++i;
    } else if (c == '"') {
      const auto end = text.find('"', i + 1);
      if (end == std::string_view::npos) {
        error = "a quoted string is not closed";
        return {};
      }
      tokens.emplace_back(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      std::size_t end = i;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
             text[end] != '{' && text[end] != '}' && text[end] != ';' && text[end] != '"')
        ++end;
      tokens.emplace_back(text.substr(i, end - i));
      i = end;
    }
  }
  return tokens;
}

}  // namespace

core::Result<std::vector<TsigKey>> parse_bind_key_file(std::string_view text) {
  std::string error;
  auto tokens = config_tokens(text, error);
  if (!error.empty()) return core::fail(error);
  std::vector<TsigKey> keys;
  std::size_t i = 0;
  auto expect = [&](std::string_view what) {
    if (i < tokens.size() && tokens[i] == what) {
      ++i;
      return true;
    }
    return false;
  };
  while (i < tokens.size()) {
    if (!expect("key"))
      return core::fail("expected `key \"NAME\" { ... };`, found \"" + tokens[i] + "\"");
    if (i >= tokens.size()) return core::fail("`key` without a name");
    const std::string name = tokens[i++];
    if (!expect("{")) return core::fail("key " + name + ": expected {");
    std::string algorithm, secret;
    while (i < tokens.size() && tokens[i] != "}") {
      const std::string field = tokens[i++];
      if (i >= tokens.size()) break;
      const std::string value = tokens[i++];
      if (!expect(";")) return core::fail("key " + name + ": expected ; after " + field);
      if (field == "algorithm")
        algorithm = value;
      else if (field == "secret")
        secret = value;
      else
        return core::fail("key " + name + ": unknown field \"" + field + "\"");
    }
    if (!expect("}") || !expect(";")) return core::fail("key " + name + ": expected };");
    if (algorithm.empty() || secret.empty())
      return core::fail("key " + name + ": needs both algorithm and secret");
    auto key = make_tsig_key(name, algorithm, secret);
    if (!key) return tl::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) return core::fail("no key in the file");
  return keys;
}

}  // namespace mxkit::dns
