// -y / -k: see tsig_options.hpp. The key syntaxes themselves are parsed in dns/tsig.hpp.
#include "cli/tsig_options.hpp"

#include <fstream>
#include <sstream>

namespace mxkit::cli {

void add_tsig_key_options(CLI::App& command, TsigKeyOptions& options, const std::string& use) {
  command
      .add_option("-y", options.key,
                  use +
                      " with TSIG (RFC 8945) and verify the answer, [ALG:]NAME:SECRET "
                      "(hmac-sha256 by default; hmac-sha384, hmac-sha512), as dig -y")
      ->type_name("[ALG:]NAME:SECRET");
  command
      .add_option("-k", options.key_file,
                  use +
                      " with the TSIG key in this BIND key file (key \"NAME\" { algorithm ...; "
                      "secret \"...\"; };), as dig -k")
      ->type_name("FILE");
}

core::Result<std::optional<dns::TsigKey>> tsig_key_from_options(const TsigKeyOptions& options) {
  if (!options.key.empty() && !options.key_file.empty())
    return core::fail("give -y or -k, not both");
  if (!options.key.empty()) {
    auto key = dns::parse_dig_tsig_key(options.key);
    if (!key) return core::fail("-y " + options.key + ": " + key.error().message);
    return std::optional<dns::TsigKey>(std::move(*key));
  }
  if (options.key_file.empty()) return std::optional<dns::TsigKey>();
  std::ifstream in(options.key_file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return core::fail("-k " + options.key_file + ": cannot read the file");
  auto keys = dns::parse_bind_key_file(text.str());
  if (!keys) return core::fail("-k " + options.key_file + ": " + keys.error().message);
  return std::optional<dns::TsigKey>(std::move(keys->front()));  // the first, as dig takes it
}

}  // namespace mxkit::cli
