// See thread_name.hpp.
#include "core/thread_name.hpp"

#include <cstring>

#include <sys/prctl.h>

namespace mxkit::core {

void name_this_thread(const char* name) {
  char cut[16] = {};
  std::strncpy(cut, name, sizeof cut - 1);
  (void)::prctl(PR_SET_NAME, cut, 0, 0, 0);
}

}  // namespace mxkit::core
