// The fuzz targets' invariant check: a broken invariant stops the run at once, with the input
// kept by libFuzzer, in every build mode (an assert would vanish under NDEBUG).
#pragma once

namespace mxkit::fuzzing {

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace mxkit::fuzzing
