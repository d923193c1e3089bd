// Runs one awaitable to completion on an io_context the caller owns, for the one-shot commands
// (dig, its transfers and +trace): the result, or the exception the coroutine ended with.
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

namespace mxkit::cli {

template <class T>
T run_awaitable(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result.emplace(std::move(value));
  });
  io.run();
  io.restart();  // ready for the next task
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace mxkit::cli
