// Where the external test suites live: $MXKIT_TESTDATA, else ../shared/testdata beside the
// source tree (the layout of this workplace).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace mxkit::test {

inline std::optional<std::filesystem::path> testdata_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("MXKIT_TESTDATA"); env && fs::is_directory(env)) return fs::path(env);
  for (fs::path candidate : {fs::path(MXKIT_SOURCE_DIR) / ".." / "shared" / "testdata",
                             fs::path("/work/shared/testdata")})
    if (fs::is_directory(candidate)) return fs::weakly_canonical(candidate);
  return std::nullopt;
}

}  // namespace mxkit::test
