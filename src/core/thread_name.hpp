// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it ("mx-smtp",
// "mx-maildir-w"...): at most 15 characters (the kernel's limit), longer names are cut.
#pragma once

namespace mxkit::core {

void name_this_thread(const char* name);

}  // namespace mxkit::core
