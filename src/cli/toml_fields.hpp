// Reading checked values out of a toml++ table, each error naming FILE:LINE:COL and the key:
// the helpers every `mxkit serve --config` section uses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/result.hpp"

namespace mxkit::cli {

inline std::string where(const std::filesystem::path& file, const toml::node& node) {
  const auto& source = node.source();
  return fmt::format("{}:{}:{}", file.string(), source.begin.line, source.begin.column);
}

inline core::Result<void> only_known_keys(const std::filesystem::path& file,
                                          const toml::table& table, std::string_view section,
                                          std::set<std::string_view> known) {
  for (const auto& [key, value] : table)
    if (!known.contains(key.str()))
      return core::fail(
          fmt::format("{}: unknown key \"{}\" in [{}]", where(file, value), key.str(), section));
  return {};
}

template <class T>
core::Result<T> integer(const std::filesystem::path& file, const toml::node& node,
                        std::string_view key, std::int64_t min, std::int64_t max) {
  auto v = node.value<std::int64_t>();
  if (!node.is_integer() || !v || *v < min || *v > max)
    return core::fail(fmt::format("{}: {} must be a whole number from {} to {}", where(file, node),
                                  key, min, max));
  return static_cast<T>(*v);
}

// Reads an optional integer key into `target`, within [min, max].
template <class T>
core::Result<void> read_integer(const std::filesystem::path& file, const toml::table& table,
                                std::string_view key, std::int64_t min, std::int64_t max,
                                T& target) {
  const toml::node* n = table.get(key);
  if (!n) return {};
  auto v = integer<T>(file, *n, key, min, max);
  if (!v) return tl::unexpected(v.error());
  target = *v;
  return {};
}

// Reads an optional list of strings, each through `parse` (which returns a core::Result), into
// `out`; an element that is not a string or does not parse names its place.
template <class Parse, class Out>
core::Result<void> read_strings(const std::filesystem::path& file, const toml::table& table,
                                std::string_view key, std::string_view what, Parse parse,
                                Out& out) {
  const toml::node* n = table.get(key);
  if (!n) return {};
  const toml::array* list = n->as_array();
  if (!list)
    return core::fail(fmt::format("{}: {} must be a list of {}", where(file, *n), key, what));
  for (const auto& item : *list) {
    auto text = item.value<std::string>();
    if (!text)
      return core::fail(fmt::format("{}: {} holds {}, as strings", where(file, item), key, what));
    auto value = parse(*text);
    if (!value)
      return core::fail(fmt::format("{}: {}: {}", where(file, item), key, value.error().message));
    out.push_back(*value);
  }
  return {};
}

}  // namespace mxkit::cli
