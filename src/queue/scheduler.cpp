// The queue's one timer heap. Moving or cancelling a message leaves its old heap entry in
// place; `when_` holds the truth and stale entries are skipped when they reach the top.
#include "queue/scheduler.hpp"

#include <algorithm>

namespace mxkit::queue {

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t attempts,
                                      std::mt19937_64& rng) {
  // base * 2^(attempts-1) without overflow: stop doubling once past the cap.
  double delay = static_cast<double>(policy.base.count());
  double cap = static_cast<double>(std::max(policy.max, policy.base).count());
  for (std::uint32_t i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  // ±20% jitter so messages deferred together do not all come back in the same instant.
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay * jitter(rng)));
}

void Scheduler::schedule(const QueueId& id, Clock::time_point when) {
  when_[id] = when;
  heap_.emplace(when, id);
  // Messages moved again and again leave stale entries behind: rebuild once they outnumber
  // the live ones, so the heap stays within twice the queue.
  if (heap_.size() > 2 * when_.size() + 64) {
    std::vector<Entry> live;
    live.reserve(when_.size());
    for (const auto& [key, at] : when_) live.emplace_back(at, key);
    heap_ = decltype(heap_)(std::greater<>{}, std::move(live));
  }
}

void Scheduler::cancel(const QueueId& id) { when_.erase(id); }

std::vector<QueueId> Scheduler::due(Clock::time_point now) {
  std::vector<QueueId> out;
  while (!heap_.empty() && heap_.top().first <= now) {
    Entry top = heap_.top();
    heap_.pop();
    auto it = when_.find(top.second);
    if (it == when_.end() || it->second != top.first) continue;  // cancelled or moved
    when_.erase(it);
    out.push_back(std::move(top.second));
  }
  return out;
}

std::optional<Clock::time_point> Scheduler::next_due() const {
  // Popping stale entries changes no answer, only what later calls have to skip.
  while (!heap_.empty()) {
    const Entry& top = heap_.top();
    auto it = when_.find(top.second);
    if (it != when_.end() && it->second == top.first) return top.first;
    heap_.pop();
  }
  return std::nullopt;
}

void Scheduler::flush(Clock::time_point now) {
  std::vector<QueueId> ids;
  ids.reserve(when_.size());
  for (const auto& [id, when] : when_) ids.push_back(id);
  heap_ = {};
  for (auto& id : ids) schedule(id, now);
}

}  // namespace mxkit::queue
