// The web UI's files (src/console/ui), embedded in the binary at build time by
// src/console/ui/embed.cmake, so the console needs no files beside the executable.
#pragma once

#include <span>
#include <string_view>

namespace mxkit::console {

struct UiAsset {
  std::string_view name;          // "index.html", "app.js", …
  std::string_view content_type;  // "text/javascript; charset=utf-8", …
  std::span<const unsigned char> bytes;
};

// Every embedded file (generated: ui_assets_data.cpp in the build tree).
std::span<const UiAsset> ui_assets();

// The file called `name`, or nullptr.
inline const UiAsset* find_ui_asset(std::string_view name) {
  for (const auto& asset : ui_assets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

}  // namespace mxkit::console
