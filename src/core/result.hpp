// Result<T>: an ordinary outcome that may fail, carried as a value (tl::expected).
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace mxkit::core {

// An error is a sentence for a human; callers add the place (file:line:col, field name).
struct Error {
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace mxkit::core
