// The store tests run against every back end: a back end is a factory that opens a fresh, empty
// store (and may skip when its server is not at hand). console_store_test.cpp instantiates the
// suite for SQLite; the PostgreSQL back end adds its own instance.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "console/store.hpp"

namespace mxkit::console::testing {

struct StoreFactory {
  std::string name;  // "sqlite", "postgresql": the test instance's name
  // A fresh, empty store; an empty pointer with `skip_reason` set when it cannot be made here.
  std::function<std::unique_ptr<Store>(std::string& skip_reason)> open;
  // Opens the same store again (a restart); used to check that commits are durable.
  std::function<std::unique_ptr<Store>()> reopen;
  // Removes what open() made (after the store is closed); may be empty.
  std::function<void()> cleanup;
};

// gtest prints a parameter in a test's name and ctest's listing: the back end's name, not bytes.
inline void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

}  // namespace mxkit::console::testing
