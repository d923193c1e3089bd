// One scheduler for the whole queue (a timer heap of next-attempt times), socket-free and
// clock-free: the caller says what time it is. Never a sleeping thread per message.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <queue>
#include <random>
#include <unordered_map>
#include <vector>

#include "queue/message.hpp"

namespace mxkit::queue {

struct RetryPolicy {
  std::chrono::milliseconds base{std::chrono::minutes(5)};   // first retry after about this
  std::chrono::milliseconds max{std::chrono::hours(1)};      // backoff cap
  std::chrono::milliseconds lifetime{std::chrono::hours(24 * 5)};  // then bounce 4.4.7
  std::chrono::milliseconds delay_warning{std::chrono::hours(4)};  // 0: never
};

// base * 2^(attempts-1), capped at max, with ±20% jitter from `rng`.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t attempts, std::mt19937_64& rng);

class Scheduler {
 public:
  // Adds or moves a message's next attempt.
  void schedule(const QueueId& id, Clock::time_point when);
  void cancel(const QueueId& id);
  // Every message due by `now` (each once), earliest first.
  std::vector<QueueId> due(Clock::time_point now);
  // When the next message is due, for the caller's timer.
  std::optional<Clock::time_point> next_due() const;
  // Makes every scheduled message due now (`mxkit queue flush`).
  void flush(Clock::time_point now);
  std::size_t size() const { return when_.size(); }

 private:
  using Entry = std::pair<Clock::time_point, QueueId>;
  // Stale entries are skipped lazily; mutable so next_due() can drop them from the top.
  mutable std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::unordered_map<QueueId, Clock::time_point> when_;
};

}  // namespace mxkit::queue
