// The tag=value list shared by DKIM key records (RFC 6376 §3.2) and DMARC records (RFC 7489
// §6.4): tags separated by ';', whitespace around names and values ignored, duplicate tags an
// error. Internal to src/mailauth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace mxkit::mailauth {

struct Tag {
  std::string name;          // as written (DKIM and DMARC tag names are case-sensitive)
  std::string value;         // whitespace at both ends removed; inner folding whitespace kept
  std::size_t name_at = 0;   // offset of the name in the record
  std::size_t value_at = 0;  // offset of the value
};

struct TagError {
  std::size_t position = 0;
  std::string message;
};

tl::expected<std::vector<Tag>, TagError> parse_tag_list(std::string_view text);

// The value with every space, tab, CR and LF removed (base64 data may be folded, RFC 6376
// §3.6.1 "p=").
std::string without_whitespace(std::string_view value);

}  // namespace mxkit::mailauth
