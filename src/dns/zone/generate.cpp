// $GENERATE expansion, as BIND 9 documents it ("The $GENERATE Directive").
#include "dns/zone/generate.hpp"

#include <charconv>

namespace mxkit::dns::zone {

namespace {

bool to_number(std::string_view text, std::int64_t& value) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

void append_in_base(std::int64_t value, unsigned width, char base, std::string& out) {
  std::string digits;
  if (base == 'n' || base == 'N') {
    // Nibble form for reverse IPv6 names, least significant nibble first, as BIND writes it:
    // `width` counts output characters, dots included; a dot follows a nibble while more
    // nibbles or more width remain, so width 3 of 0x1e is "e.1" and width 4 is "e.1.".
    const char* alphabet = base == 'n' ? "0123456789abcdef" : "0123456789ABCDEF";
    auto v = static_cast<std::uint64_t>(value);
    unsigned left = width;
    do {
      out.push_back(alphabet[v & 15]);
      v >>= 4;
      if (left > 0) --left;
      if (left > 0 || v != 0) {
        out.push_back('.');
        if (left > 0) --left;
      }
    } while (v != 0 || left > 0);
    return;
  }
  const char* alphabet = base == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  unsigned radix = base == 'o' ? 8 : (base == 'x' || base == 'X') ? 16 : 10;
  bool negative = value < 0;
  auto v = static_cast<std::uint64_t>(negative ? -value : value);
  do {
    digits.insert(digits.begin(), alphabet[v % radix]);
    v /= radix;
  } while (v != 0);
  while (digits.size() + (negative ? 1 : 0) < width) digits.insert(digits.begin(), '0');
  if (negative) digits.insert(digits.begin(), '-');
  out += digits;
}

}  // namespace

core::Result<GenerateRange> parse_generate_range(std::string_view text) {
  GenerateRange range;
  auto dash = text.find('-');
  if (dash == std::string_view::npos) return core::fail("range must be START-STOP[/STEP]");
  auto slash = text.find('/', dash);
  std::int64_t start = 0, stop = 0, step = 1;
  if (!to_number(text.substr(0, dash), start) ||
      !to_number(text.substr(dash + 1, slash == std::string_view::npos ? std::string_view::npos
                                                                        : slash - dash - 1),
                 stop) ||
      (slash != std::string_view::npos && !to_number(text.substr(slash + 1), step)))
    return core::fail("range must be START-STOP[/STEP] with decimal numbers");
  if (start < 0 || stop < 0 || start > 0x7FFFFFFF || stop > 0x7FFFFFFF)
    return core::fail("range bounds must be 0 to 2147483647");
  if (start > stop) return core::fail("range start is above its stop");
  if (step < 1 || step > 0x7FFFFFFF) return core::fail("range step must be at least 1");
  range.start = static_cast<std::uint32_t>(start);
  range.stop = static_cast<std::uint32_t>(stop);
  range.step = static_cast<std::uint32_t>(step);
  return range;
}

core::Result<void> expand_generate(std::string_view pattern, std::uint32_t value, std::string& out) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size() && pattern[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < pattern.size()) {
      // Other escapes pass through for the name or rdata parser.
      out.push_back(c);
      out.push_back(pattern[++i]);
      continue;
    }
    if (c != '$') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
      auto close = pattern.find('}', i + 2);
      if (close == std::string_view::npos) return core::fail("'${' without '}'");
      std::string_view spec = pattern.substr(i + 2, close - i - 2);
      std::int64_t offset = 0, width = 0;
      char base = 'd';
      auto c1 = spec.find(',');
      if (!to_number(spec.substr(0, c1), offset)) return core::fail("bad offset in ${...}");
      if (c1 != std::string_view::npos) {
        auto rest = spec.substr(c1 + 1);
        auto c2 = rest.find(',');
        if (!to_number(rest.substr(0, c2), width) || width < 0 || width > 255)
          return core::fail("bad width in ${...}");
        if (c2 != std::string_view::npos) {
          auto b = rest.substr(c2 + 1);
          if (b.size() != 1 || std::string_view("doxXnN").find(b[0]) == std::string_view::npos)
            return core::fail("base in ${...} must be one of d, o, x, X, n, N");
          base = b[0];
        }
      }
      std::int64_t v = static_cast<std::int64_t>(value) + offset;
      if ((base == 'n' || base == 'N') && v < 0) return core::fail("negative value in nibble form");
      append_in_base(v, static_cast<unsigned>(width), base, out);
      i = close;
      continue;
    }
    append_in_base(value, 0, 'd', out);
  }
  return {};
}

}  // namespace mxkit::dns::zone
