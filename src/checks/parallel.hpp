// Runs independent coroutines at once on the current executor and waits for all of them (the
// checks' lookups and probes are independent: run in parallel, a report takes the time of the
// slowest, not the sum). Each task reports its own outcome; an exception in one is dropped
// after it ends that task only.
#pragma once

#include <exception>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/channel.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace mxkit::checks {

inline asio::awaitable<void> run_parallel(std::vector<asio::awaitable<void>> tasks) {
  if (tasks.empty()) co_return;
  auto executor = co_await asio::this_coro::executor;
  using Done = asio::experimental::channel<void(asio::error_code, std::size_t)>;
  Done done(executor, tasks.size());
  for (auto& task : tasks)
    asio::co_spawn(executor, std::move(task), [&done](std::exception_ptr) {
      done.try_send(asio::error_code{}, std::size_t{0});
    });
  for (std::size_t n = 0; n < tasks.size(); ++n)
    (void)co_await done.async_receive(asio::use_awaitable);
}

}  // namespace mxkit::checks
