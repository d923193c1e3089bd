// A token of presentation-format text: what the zone-file lexer hands to the rdata codecs.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mxkit::dns {

struct Token {
  std::string_view text;  // raw text: escapes are not yet interpreted; quotes removed
  bool quoted = false;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

using Tokens = std::span<const Token>;

}  // namespace mxkit::dns
