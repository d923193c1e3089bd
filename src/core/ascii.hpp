// ASCII case folding for protocol text: domain names and the local parts we fold for paths.
// Octets >= 0x80 (UTF-8) are kept as they are.
#pragma once

#include <string>
#include <string_view>

namespace mxkit::core {

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace mxkit::core
