// open_store: picks the back end from the spec's form.
#include "console/store.hpp"

#include <fmt/format.h>

#include "console/sqlite_store.hpp"

namespace mxkit::console {

core::Result<std::unique_ptr<Store>> open_store(const std::string& spec) {
  if (spec.empty())
    return core::fail("the console store is not given (a directory or a postgresql:// URI)");
  if (spec.starts_with("postgresql://") || spec.starts_with("postgres://"))
    return core::fail(
        "PostgreSQL support is not built into this mxkit: use a directory for SQLite");
  return open_sqlite_store(spec);
}

}  // namespace mxkit::console
