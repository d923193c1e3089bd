// The courier's static next hops (--route, --relayhost) and its memory: gates and dead hosts.
#include "delivery/next_hop.hpp"

#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "delivery/connection_cache.hpp"

namespace delivery = mxkit::delivery;

namespace {

TEST(ParseRelay, Table) {
  struct Row {
    std::string text;
    std::string host;  // "" → an error is expected
    std::uint16_t port;
  };
  const std::vector<Row> rows = {
      {"mail.example.test", "mail.example.test", 25},
      {"mail.example.test:2525", "mail.example.test", 2525},
      {"[mail.example.test]:2525", "mail.example.test", 2525},
      {"[mail.example.test]", "mail.example.test", 25},
      {"127.0.0.1:2525", "127.0.0.1", 2525},
      {"[2001:db8::1]:587", "2001:db8::1", 587},
      {"[::1]", "::1", 25},
      {"2001:db8::1", "", 0},  // ambiguous without brackets
      {"host:0", "", 0},
      {"host:70000", "", 0},
      {"host:", "", 0},
      {"host:2x", "", 0},
      {"[host", "", 0},
      {"[host]x", "", 0},
      {":25", "", 0},
      {"", "", 0},
      {"bad..name", "", 0},
  };
  for (const auto& row : rows) {
    auto r = delivery::parse_relay(row.text, 25);
    if (row.host.empty()) {
      EXPECT_FALSE(r) << row.text;
      if (!r) {
        EXPECT_NE(r.error().message.find(row.text.empty() ? "\"\"" : row.text), std::string::npos);
      }
      continue;
    }
    ASSERT_TRUE(r) << row.text << ": " << r.error().message;
    EXPECT_EQ(r->host, row.host) << row.text;
    EXPECT_EQ(r->port, row.port) << row.text;
  }
}

TEST(ParseRoute, Table) {
  auto r = delivery::parse_route("Example.TEST.=127.0.0.1:2525", 25);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, "example.test");
  EXPECT_EQ(r->second.host, "127.0.0.1");
  EXPECT_EQ(r->second.port, 2525);
  EXPECT_FALSE(delivery::parse_route("example.test", 25));
  EXPECT_FALSE(delivery::parse_route("=host", 25));
  EXPECT_FALSE(delivery::parse_route("example.test=", 25));
}

TEST(DeadHosts, RememberedForAWhile) {
  delivery::DeadHosts dead(std::chrono::seconds(30));
  const auto t0 = delivery::SteadyClock::now();
  EXPECT_EQ(dead.dead("127.0.0.1:25", t0), nullptr);
  dead.mark("127.0.0.1:25", "connection refused", t0);
  ASSERT_NE(dead.dead("127.0.0.1:25", t0 + std::chrono::seconds(29)), nullptr);
  EXPECT_EQ(*dead.dead("127.0.0.1:25", t0 + std::chrono::seconds(1)), "connection refused");
  EXPECT_EQ(dead.dead("127.0.0.2:25", t0), nullptr);
  EXPECT_EQ(dead.dead("127.0.0.1:25", t0 + std::chrono::seconds(30)), nullptr);  // forgotten
  dead.mark("127.0.0.1:25", "x", t0);
  dead.revive("127.0.0.1:25");
  EXPECT_EQ(dead.dead("127.0.0.1:25", t0), nullptr);
}

TEST(Gate, BoundsHoldersAndServesInOrder) {
  asio::io_context io;
  delivery::Gate gate(2);
  std::vector<int> entered;
  int inside = 0, most = 0;
  auto worker = [&](int id) -> asio::awaitable<void> {
    co_await gate.acquire();
    entered.push_back(id);
    most = std::max(most, ++inside);
    asio::steady_timer t(io, std::chrono::milliseconds(2));
    co_await t.async_wait(asio::use_awaitable);
    --inside;
    gate.release();
  };
  for (int i = 0; i < 6; ++i) asio::co_spawn(io, worker(i), asio::detached);
  io.run();
  EXPECT_EQ(most, 2);
  EXPECT_EQ(entered, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(gate.idle());
}

}  // namespace
