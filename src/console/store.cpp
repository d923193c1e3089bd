// open_store: picks the back end from the spec's form.
#include "console/store.hpp"

#include <fmt/format.h>

#include "console/postgres_store.hpp"
#include "console/sqlite_store.hpp"

namespace mxkit::console {

core::Result<std::unique_ptr<Store>> open_store(const std::string& spec) {
  if (spec.empty())
    return core::fail("the console store is not given (a directory or a postgresql:// URI)");
  if (spec.starts_with("postgresql://") || spec.starts_with("postgres://"))
    return open_postgres_store(spec);
  return open_sqlite_store(spec);
}

}  // namespace mxkit::console
