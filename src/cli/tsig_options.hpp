// The TSIG key options of a client command, taken as dig takes them: -y [ALG:]NAME:SECRET or
// -k FILE, BIND's key file as tsig-keygen writes it. `mxkit dig` signs its query with the key,
// `mxkit check` the AXFR of the zone (RFC 8945); both read the options here.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/result.hpp"
#include "dns/tsig.hpp"

namespace mxkit::cli {

struct TsigKeyOptions {
  std::string key;       // -y [ALG:]NAME:SECRET
  std::string key_file;  // -k FILE
};

// Adds -y and -k to `command`; `use` says what the key signs ("Sign the AXFR of the zone").
void add_tsig_key_options(CLI::App& command, TsigKeyOptions& options, const std::string& use);

// The key given, nullopt when neither option is; errors name the option ("-k FILE: ...").
core::Result<std::optional<dns::TsigKey>> tsig_key_from_options(const TsigKeyOptions& options);

}  // namespace mxkit::cli
