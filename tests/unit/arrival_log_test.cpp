// The arrival log on real files: what is appended and committed comes back after a reopen until
// it is marked done; segments roll over, are freed oldest first once all they hold is done, and
// are reused without an earlier use's frames ever read again; a torn or damaged tail ends a
// segment without losing what came before it.
#include "queue/arrival_log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "queue/spool.hpp"
#include "queue_test_util.hpp"

namespace mxkit::queue {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

Message message(int n, std::size_t recipients = 1) {
  NewMessage in;
  in.sender = fmt::format("s{}@client.test", n);
  for (std::size_t i = 0; i < recipients; ++i)
    in.recipients.push_back(fmt::format("r{}-{}@example.test", n, i));
  in.content = fmt::format("Subject: {}\r\n\r\nbody {}\r\n", n, n);
  in.client_address = "127.0.0.1";
  in.helo = "client.test";
  return message_from(in, fmt::format("{:016X}", 0x1000 + n),
                      Clock::time_point(std::chrono::seconds(1000 + n)));
}

std::string content(int n) { return fmt::format("Subject: {}\r\n\r\nbody {}\r\n", n, n); }

void append(ArrivalLog& log, int n) {
  std::promise<core::Result<void>> promise;
  auto future = promise.get_future();
  log.append(message(n), content(n),
             [&promise](core::Result<void> r) { promise.set_value(std::move(r)); });
  auto result = future.get();
  ASSERT_TRUE(result) << result.error().message;
}

std::vector<fs::path> segments(const fs::path& spool) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(spool / "log")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> ids(const std::vector<ArrivalLog::Recovered>& entries) {
  std::set<std::string> out;
  for (const auto& e : entries) out.insert(e.message.id);
  return out;
}

// Waits until the log's writer has committed the done frames handed to it.
void settle(ArrivalLog& log, std::size_t pending) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (log.backlog().messages != pending && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(log.backlog().messages, pending);
}

TEST(ArrivalLog, WhatIsCommittedComesBackUntilDone) {
  TempDir dir;
  {
    auto log = ArrivalLog::open(dir.path());
    ASSERT_TRUE(log) << log.error().message;
    for (int n = 1; n <= 5; ++n) append(**log, n);
    EXPECT_EQ((*log)->backlog().messages, 5u);
    (*log)->mark_done(message(2).id);
    (*log)->mark_done(message(4).id);
    settle(**log, 3);
  }
  auto log = ArrivalLog::open(dir.path());
  ASSERT_TRUE(log) << log.error().message;
  // What is not done counts in the backlog again, its contents' octets too.
  EXPECT_EQ((*log)->backlog().messages, 3u);
  EXPECT_EQ((*log)->backlog().bytes, content(1).size() + content(3).size() + content(5).size());
  auto recovered = (*log)->take_recovered();
  ASSERT_EQ(recovered.size(), 3u);
  // Oldest first, every field and the content as appended.
  EXPECT_EQ(recovered[0].message.id, message(1).id);
  EXPECT_EQ(recovered[1].message.id, message(3).id);
  EXPECT_EQ(recovered[2].message.id, message(5).id);
  EXPECT_EQ(recovered[1].message.sender, "s3@client.test");
  EXPECT_EQ(recovered[1].message.recipients.at(0).address, "r3-0@example.test");
  EXPECT_EQ(recovered[1].message.arrival, message(3).arrival);
  EXPECT_EQ(*recovered[1].content, content(3));
  EXPECT_EQ((*log)->highest_id(), message(5).id);
  EXPECT_TRUE((*log)->take_recovered().empty());  // taken once
  EXPECT_TRUE((*log)->notes().empty());
  // The read-only view `mxkit queue` uses sees the same.
  auto listed = read_arrival_log(dir.path());
  ASSERT_TRUE(listed);
  EXPECT_EQ(ids(*listed), (std::set<std::string>{message(1).id, message(3).id, message(5).id}));
}

// The backlog (serve's back-pressure) counts each message and its content's octets from the
// append until its done frame is committed.
TEST(ArrivalLog, TheBacklogCountsMessagesAndOctetsUntilDone) {
  TempDir dir;
  auto log = ArrivalLog::open(dir.path());
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ((*log)->backlog().messages, 0u);
  EXPECT_EQ((*log)->backlog().bytes, 0u);
  const std::string big(100000, 'x');
  std::promise<core::Result<void>> promise;
  (*log)->append(message(1), big, [&promise](core::Result<void> r) { promise.set_value(r); });
  // Counted from the append, before its commit.
  EXPECT_EQ((*log)->backlog().bytes, big.size());
  ASSERT_TRUE(promise.get_future().get());
  append(**log, 2);
  EXPECT_EQ((*log)->backlog().messages, 2u);
  EXPECT_EQ((*log)->backlog().bytes, big.size() + content(2).size());
  (*log)->mark_done(message(1).id);
  settle(**log, 1);
  EXPECT_EQ((*log)->backlog().bytes, content(2).size());
  (*log)->mark_done(message(2).id);
  (*log)->mark_done(message(2).id);  // twice: taken off once
  // Marks handed over before an append are taken with or before its commit: once message 3 is
  // committed, both marks have been counted.
  append(**log, 3);
  EXPECT_EQ((*log)->backlog().messages, 1u);
  EXPECT_EQ((*log)->backlog().bytes, content(3).size());
}

TEST(ArrivalLog, SegmentsRollOverAndGoOldestFirstWhenAllTheyHoldIsDone) {
  TempDir dir;
  ArrivalLogOptions options;
  // Two messages a segment (the header is 16 octets).
  options.segment_bytes = 16 + 2 * encode_log_arrival(1, message(1), content(1)).size() + 4;
  options.spare_segments = 8;
  auto log = ArrivalLog::open(dir.path(), options);
  ASSERT_TRUE(log) << log.error().message;
  for (int n = 1; n <= 6; ++n) append(**log, n);
  const auto written = segments(dir.path());
  ASSERT_GE(written.size(), 3u);
  // Done out of order: the newest messages first. Old segments stay while they hold one not done.
  for (int n = 6; n >= 2; --n) (*log)->mark_done(message(n).id);
  settle(**log, 1);
  auto view = read_arrival_log(dir.path());
  ASSERT_TRUE(view);
  EXPECT_EQ(ids(*view), std::set<std::string>{message(1).id});
  (*log)->mark_done(message(1).id);
  settle(**log, 0);
  // The freed slots are reused: six more messages make at most one new file (the done frames
  // took one), and nothing of the first six is read again from the slots they were in.
  const auto before = segments(dir.path()).size();
  for (int n = 7; n <= 12; ++n) append(**log, n);
  EXPECT_LE(segments(dir.path()).size(), before + 1);
  log->reset();
  auto reopened = ArrivalLog::open(dir.path(), options);
  ASSERT_TRUE(reopened);
  std::set<std::string> expected;
  for (int n = 7; n <= 12; ++n) expected.insert(message(n).id);
  EXPECT_EQ(ids((*reopened)->take_recovered()), expected);
  EXPECT_TRUE((*reopened)->notes().empty()) << (*reopened)->notes().front();
}

TEST(ArrivalLog, AMessageBiggerThanASegmentGetsOneOfItsOwn) {
  TempDir dir;
  ArrivalLogOptions options;
  options.segment_bytes = 4096;
  {
    auto log = ArrivalLog::open(dir.path(), options);
    ASSERT_TRUE(log);
    const std::string big(100000, 'x');
    std::promise<core::Result<void>> promise;
    (*log)->append(message(1), big, [&promise](core::Result<void> r) { promise.set_value(r); });
    ASSERT_TRUE(promise.get_future().get());
  }
  auto log = ArrivalLog::open(dir.path(), options);
  ASSERT_TRUE(log);
  auto recovered = (*log)->take_recovered();
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].content->size(), 100000u);
}

// A crash in the middle of a commit leaves part of a frame (or garbage) after the good ones:
// reading stops there with a note, and what came before is kept. New messages go to a new
// segment, never after the torn part.
TEST(ArrivalLog, ATornTailIsNotedAndWhatCameBeforeItKept) {
  TempDir dir;
  {
    auto log = ArrivalLog::open(dir.path());
    ASSERT_TRUE(log);
    append(**log, 1);
    append(**log, 2);
  }
  const auto segment = segments(dir.path()).back();
  auto decoded = [&segment] {
    std::ifstream in(segment, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return decode_log_segment(bytes);
  }();
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->arrivals.size(), 2u);
  const auto end = decoded->valid_end;
  {
    // The second frame's last octet changes (its CRC no longer holds), as in a torn write.
    std::fstream f(segment, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(end - 1));
    f.write("\x01", 1);
  }
  auto log = ArrivalLog::open(dir.path());
  ASSERT_TRUE(log) << log.error().message;
  auto recovered = (*log)->take_recovered();
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].message.id, message(1).id);
  ASSERT_EQ((*log)->notes().size(), 1u);
  EXPECT_NE((*log)->notes()[0].find("CRC"), std::string::npos) << (*log)->notes()[0];
  append(**log, 3);
  EXPECT_EQ(segments(dir.path()).size(), 2u);  // the torn one is left as it is
  log->reset();
  auto again = ArrivalLog::open(dir.path());
  ASSERT_TRUE(again);
  EXPECT_EQ(ids((*again)->take_recovered()),
            (std::set<std::string>{message(1).id, message(3).id}));
}

TEST(ArrivalLog, DecoderNamesWhatIsWrong) {
  EXPECT_FALSE(decode_log_segment(""));
  EXPECT_FALSE(decode_log_segment(std::string("MXKQ\x01\0\0\0\0\0\0\0\0\0\0\0", 16)));
  EXPECT_FALSE(decode_log_segment(std::string("MXKL\x07\0\0\0\0\0\0\0\0\0\0\0", 16)));
  auto free_slot = decode_log_segment("MXKF and whatever was there");
  ASSERT_TRUE(free_slot);
  EXPECT_TRUE(free_slot->free);
  const std::string header = encode_log_header(7);
  auto empty = decode_log_segment(header + std::string(64, '\0'));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->generation, 7u);
  EXPECT_TRUE(empty->arrivals.empty());
  EXPECT_TRUE(empty->damage.empty());
  // A frame of an earlier generation (left from the slot's earlier use) ends it quietly.
  auto stale = decode_log_segment(header + encode_log_arrival(6, message(1), content(1)));
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->arrivals.empty());
  EXPECT_TRUE(stale->damage.empty());
  auto good = encode_log_arrival(7, message(1), content(1)) + encode_log_done(7, message(1).id);
  auto both = decode_log_segment(header + good);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->arrivals.size(), 1u);
  EXPECT_EQ(both->done, std::vector<QueueId>{message(1).id});
  EXPECT_EQ(both->valid_end, header.size() + good.size());
  auto unknown = decode_log_segment(header + "Z" + std::string(16, '\0'));
  ASSERT_TRUE(unknown);
  EXPECT_NE(unknown->damage.find("unknown kind"), std::string::npos);
  auto cut = decode_log_segment(header + good.substr(0, 20));
  ASSERT_TRUE(cut);
  EXPECT_NE(cut->damage.find("longer than the segment"), std::string::npos);
  EXPECT_EQ(cut->valid_end, header.size());
  const auto bad_done = encode_log_done(7, "not-a-queue-id!!");
  auto not_id = decode_log_segment(header + bad_done);
  ASSERT_TRUE(not_id);
  EXPECT_NE(not_id->damage.find("queue id"), std::string::npos);
}

// Many threads appending at once are committed in groups; every callback runs once.
TEST(ArrivalLog, ConcurrentAppendsAreEachCommittedOnce) {
  TempDir dir;
  constexpr int kThreads = 6, kEach = 50;
  {
    auto log = ArrivalLog::open(dir.path());
    ASSERT_TRUE(log);
    std::atomic<int> committed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          const int n = t * 1000 + i;
          (*log)->append(message(n), content(n), [&committed](core::Result<void> r) {
            if (r) ++committed;
          });
        }
      });
    for (auto& thread : threads) thread.join();
    log->reset();  // commits what was handed over before it returns
    EXPECT_EQ(committed.load(), kThreads * kEach);
  }
  auto log = ArrivalLog::open(dir.path());
  ASSERT_TRUE(log);
  EXPECT_EQ((*log)->take_recovered().size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace mxkit::queue
