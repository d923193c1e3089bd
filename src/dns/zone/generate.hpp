// BIND's $GENERATE directive: ranges and the "$" / "${offset,width,base}" substitutions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mxkit::dns::zone {

struct GenerateRange {
  std::uint32_t start = 0, stop = 0, step = 1;
};

// "start-stop" or "start-stop/step", with start <= stop and step >= 1.
core::Result<GenerateRange> parse_generate_range(std::string_view text);

// Replaces each "$" in `pattern` by `value`, "${offset}", "${offset,width}" or
// "${offset,width,base}" by value+offset printed in base d, o, x, X, n or N (nibbles, least
// significant first, dot-separated), zero-padded to `width` characters. "\$" and "$$" give "$".
core::Result<void> expand_generate(std::string_view pattern, std::uint32_t value, std::string& out);

}  // namespace mxkit::dns::zone
