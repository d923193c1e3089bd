// TTL and timer values in presentation form: decimal seconds or BIND's units (1w2d3h4m5s).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mxkit::dns {

// Parses "3600", "1h", "1w2d3h4m5s" (units in any case and order, repeats allowed, a trailing
// bare number counts as seconds). nullopt on a bad character or a value above 2^32-1.
std::optional<std::uint32_t> parse_ttl(std::string_view text);

// True when the text could only be a TTL (starts with a digit).
constexpr bool looks_like_ttl(std::string_view text) {
  return !text.empty() && text[0] >= '0' && text[0] <= '9';
}

}  // namespace mxkit::dns
