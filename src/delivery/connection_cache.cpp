// The courier's memory between deliveries: concurrency gates, dead hosts, idle connections.
#include "delivery/connection_cache.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace mxkit::delivery {

asio::awaitable<void> Gate::acquire() {
  if (used_ < limit_ && waiters_.empty()) {
    ++used_;
    co_return;
  }
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                    SteadyClock::time_point::max());
  waiters_.push_back(timer);
  // release() cancels the timer of the first waiter and hands its slot over.
  (void)co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}

void Gate::release() {
  if (!waiters_.empty()) {
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    next->cancel();  // the slot passes to it; used_ stays
    return;
  }
  if (used_ > 0) --used_;
}

void DeadHosts::mark(const std::string& key, std::string why, SteadyClock::time_point now) {
  if (memory_.count() <= 0) return;
  dead_[key] = Entry{now + memory_, std::move(why)};
}

const std::string* DeadHosts::dead(const std::string& key, SteadyClock::time_point now) {
  auto it = dead_.find(key);
  if (it == dead_.end()) return nullptr;
  if (it->second.until <= now) {
    dead_.erase(it);  // forgotten: the next delivery tries it again
    return nullptr;
  }
  return &it->second.why;
}

std::unique_ptr<SmtpConnection> ConnectionCache::take(const std::string& key,
                                                      SteadyClock::time_point now) {
  auto it = idle_by_key_.find(key);
  if (it == idle_by_key_.end()) return nullptr;
  auto& list = it->second;
  while (!list.empty()) {
    Idle idle = std::move(list.back());  // the most recently used: the least likely timed out
    list.pop_back();
    if (idle.connection->usable() && now - idle.since < idle_) {
      if (list.empty()) idle_by_key_.erase(it);
      return std::move(idle.connection);
    }
  }
  idle_by_key_.erase(it);
  return nullptr;
}

std::unique_ptr<SmtpConnection> ConnectionCache::put(const std::string& key,
                                                     std::unique_ptr<SmtpConnection> c,
                                                     SteadyClock::time_point now) {
  if (!c->usable() || c->transactions() >= reuse_limit_ || idle_.count() <= 0) return c;
  idle_by_key_[key].push_back(Idle{std::move(c), now});
  return nullptr;
}

std::vector<std::unique_ptr<SmtpConnection>> ConnectionCache::expire(SteadyClock::time_point now) {
  std::vector<std::unique_ptr<SmtpConnection>> out;
  for (auto it = idle_by_key_.begin(); it != idle_by_key_.end();) {
    auto& list = it->second;
    for (auto i = list.begin(); i != list.end();) {
      if (now - i->since >= idle_ || !i->connection->usable()) {
        out.push_back(std::move(i->connection));
        i = list.erase(i);
      } else {
        ++i;
      }
    }
    it = list.empty() ? idle_by_key_.erase(it) : std::next(it);
  }
  return out;
}

std::vector<std::unique_ptr<SmtpConnection>> ConnectionCache::take_all() {
  std::vector<std::unique_ptr<SmtpConnection>> out;
  for (auto& [key, list] : idle_by_key_)
    for (auto& idle : list) out.push_back(std::move(idle.connection));
  idle_by_key_.clear();
  return out;
}

std::size_t ConnectionCache::size() const {
  std::size_t n = 0;
  for (const auto& [key, list] : idle_by_key_) n += list.size();
  return n;
}

}  // namespace mxkit::delivery
