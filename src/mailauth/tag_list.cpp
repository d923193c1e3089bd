// The tag=value list of RFC 6376 §3.2, used by DKIM key records and DMARC records.
#include "mailauth/tag_list.hpp"

#include <fmt/format.h>

namespace mxkit::mailauth {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_alpha(c) || (c >= '0' && c <= '9') || c == '_'; }

}  // namespace

tl::expected<std::vector<Tag>, TagError> parse_tag_list(std::string_view text) {
  using Unexpected = tl::unexpected<TagError>;
  std::vector<Tag> tags;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;  // a trailing ';' (and whitespace) is allowed
    Tag tag;
    tag.name_at = i;
    if (!is_alpha(text[i]))
      return Unexpected(TagError{
          i, fmt::format("a tag name must begin with a letter, not \"{}\"", text.substr(i, 1))});
    while (i < text.size() && is_name_char(text[i])) ++i;
    tag.name = std::string(text.substr(tag.name_at, i - tag.name_at));
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size() || text[i] != '=')
      return Unexpected(
          TagError{i, fmt::format("\"=\" expected after the tag name \"{}\"", tag.name)});
    ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    tag.value_at = i;
    const std::size_t end = text.find(';', i);
    std::size_t value_end = end == std::string_view::npos ? text.size() : end;
    for (std::size_t k = i; k < value_end; ++k) {
      const auto c = static_cast<unsigned char>(text[k]);
      if (!is_space(text[k]) && (c < 0x21 || c > 0x7e))
        return Unexpected(
            TagError{k, fmt::format("character 0x{:02x} is not allowed in a tag value", c)});
    }
    while (value_end > i && is_space(text[value_end - 1])) --value_end;
    tag.value = std::string(text.substr(i, value_end - i));
    for (const auto& t : tags)
      if (t.name == tag.name)
        return Unexpected(
            TagError{tag.name_at, fmt::format("the tag \"{}\" appears twice", tag.name)});
    tags.push_back(std::move(tag));
    i = end == std::string_view::npos ? text.size() : end + 1;
  }
  return tags;
}

std::string without_whitespace(std::string_view value) {
  std::string out;
  for (char c : value)
    if (!is_space(c)) out.push_back(c);
  return out;
}

}  // namespace mxkit::mailauth
