// What the courier keeps between deliveries: idle connections per address (reuse, as Postfix's
// connection cache), addresses that lately refused or timed out (dead-host memory), and gates
// that bound concurrent deliveries per destination and in total. All on one executor.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "delivery/smtp_connection.hpp"

namespace mxkit::delivery {

using SteadyClock = std::chrono::steady_clock;

// A counting gate: at most `limit` holders; the others wait in arrival order.
class Gate {
 public:
  explicit Gate(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}
  asio::awaitable<void> acquire();
  void release();
  bool idle() const { return used_ == 0 && waiters_.empty(); }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
};

class DeadHosts {
 public:
  explicit DeadHosts(std::chrono::milliseconds memory) : memory_(memory) {}
  void mark(const std::string& key, std::string why, SteadyClock::time_point now);
  // The reason it was marked, when it is still remembered as dead at `now`.
  const std::string* dead(const std::string& key, SteadyClock::time_point now);
  void revive(const std::string& key) { dead_.erase(key); }

 private:
  struct Entry {
    SteadyClock::time_point until;
    std::string why;
  };
  std::chrono::milliseconds memory_;
  std::map<std::string, Entry> dead_;
};

class ConnectionCache {
 public:
  ConnectionCache(std::chrono::milliseconds idle, std::uint32_t reuse_limit)
      : idle_(idle), reuse_limit_(reuse_limit) {}
  // An idle, usable connection to `key` ("ip:port"), or null.
  std::unique_ptr<SmtpConnection> take(const std::string& key, SteadyClock::time_point now);
  // Keeps `connection` for reuse when it may carry more; otherwise hands it back to be closed.
  std::unique_ptr<SmtpConnection> put(const std::string& key, std::unique_ptr<SmtpConnection> c,
                                      SteadyClock::time_point now);
  // Connections idle past the limit (to be closed with QUIT by the caller).
  std::vector<std::unique_ptr<SmtpConnection>> expire(SteadyClock::time_point now);
  std::vector<std::unique_ptr<SmtpConnection>> take_all();
  std::size_t size() const;

 private:
  struct Idle {
    std::unique_ptr<SmtpConnection> connection;
    SteadyClock::time_point since;
  };
  std::chrono::milliseconds idle_;
  std::uint32_t reuse_limit_;
  std::map<std::string, std::vector<Idle>> idle_by_key_;
};

}  // namespace mxkit::delivery
