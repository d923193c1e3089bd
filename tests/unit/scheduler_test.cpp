#include "queue/scheduler.hpp"

#include <gtest/gtest.h>

namespace mxkit::queue {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

const Clock::time_point t0 = Clock::time_point(std::chrono::hours(24 * 365 * 50));

TEST(Scheduler, DueInTimeOrderEachOnce) {
  Scheduler s;
  s.schedule("C", t0 + minutes(3));
  s.schedule("A", t0 + minutes(1));
  s.schedule("B", t0 + minutes(2));
  EXPECT_EQ(s.next_due(), t0 + minutes(1));
  EXPECT_TRUE(s.due(t0).empty());
  EXPECT_EQ(s.due(t0 + minutes(2)), (std::vector<QueueId>{"A", "B"}));
  EXPECT_TRUE(s.due(t0 + minutes(2)).empty());
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.due(t0 + minutes(10)), (std::vector<QueueId>{"C"}));
  EXPECT_EQ(s.next_due(), std::nullopt);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Scheduler, RescheduleAndCancelAreLazy) {
  Scheduler s;
  s.schedule("A", t0 + minutes(1));
  s.schedule("B", t0 + minutes(2));
  s.schedule("A", t0 + minutes(5));  // moved later: its old entry is stale
  s.cancel("B");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.next_due(), t0 + minutes(5));
  EXPECT_TRUE(s.due(t0 + minutes(4)).empty());
  EXPECT_EQ(s.due(t0 + minutes(5)), (std::vector<QueueId>{"A"}));
  s.schedule("C", t0 + minutes(9));
  s.schedule("C", t0 + minutes(1));  // moved earlier
  EXPECT_EQ(s.due(t0 + minutes(1)), (std::vector<QueueId>{"C"}));
  EXPECT_TRUE(s.due(t0 + minutes(20)).empty());  // the stale 9-minute entry is skipped
  s.cancel("nothing");
}

TEST(Scheduler, FlushMakesEverythingDueNow) {
  Scheduler s;
  const std::vector<QueueId> ids = {"M0", "M1", "M2", "M3", "M4"};
  for (int i = 0; i < 5; ++i) s.schedule(ids[i], t0 + minutes(10 * (i + 1)));
  s.cancel("M2");
  s.flush(t0);
  EXPECT_EQ(s.next_due(), t0);
  auto due = s.due(t0);
  EXPECT_EQ(due.size(), 4u);
  EXPECT_EQ(std::count(due.begin(), due.end(), "M2"), 0);
  EXPECT_TRUE(s.due(t0 + minutes(100)).empty());
}

TEST(Scheduler, ManyMovesKeepOneLiveEntryPerMessage) {
  Scheduler s;
  const std::vector<QueueId> ids = {"A", "B", "C"};
  for (int round = 0; round < 1000; ++round)
    for (std::size_t i = 0; i < ids.size(); ++i)
      s.schedule(ids[i], t0 + minutes(round + static_cast<int>(i)));
  s.cancel("B");
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.next_due(), t0 + minutes(999));
  EXPECT_EQ(s.due(t0 + minutes(2000)), (std::vector<QueueId>{"A", "C"}));
  EXPECT_EQ(s.next_due(), std::nullopt);
}

TEST(RetryDelay, ExponentialCappedWithJitterBounds) {
  RetryPolicy p;
  p.base = minutes(5);
  p.max = minutes(60);
  std::mt19937_64 rng(42);
  const std::pair<std::uint32_t, long> expected[] = {{0, 5},  {1, 5},  {2, 10}, {3, 20},
                                                     {4, 40}, {5, 60}, {6, 60}, {1000, 60}};
  for (auto [attempts, mins] : expected) {
    milliseconds lo = milliseconds(minutes(mins)) * 8 / 10,
                 hi = milliseconds(minutes(mins)) * 12 / 10;
    milliseconds min_seen = hi, max_seen = lo;
    for (int i = 0; i < 2000; ++i) {
      auto d = retry_delay(p, attempts, rng);
      ASSERT_GE(d, lo) << attempts;
      ASSERT_LE(d, hi) << attempts;
      min_seen = std::min(min_seen, d);
      max_seen = std::max(max_seen, d);
    }
    // The jitter is used: the draws spread over most of the ±20% band.
    EXPECT_LT(min_seen, milliseconds(minutes(mins)) * 85 / 100);
    EXPECT_GT(max_seen, milliseconds(minutes(mins)) * 115 / 100);
  }
}

}  // namespace
}  // namespace mxkit::queue
