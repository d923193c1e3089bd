// The spool on real files with real fsyncs: store and recover, group commit under concurrent
// stores, updates, removal, write failures, and the read-only listing.
#include "queue/spool.hpp"

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "queue/spool_file.hpp"
#include "queue_test_util.hpp"

namespace mxkit::queue {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

NewMessage sample(int n = 0) {
  NewMessage m;
  m.sender = "alice@example.test";
  m.recipients = {"bob@example.test", "carol@other.test"};
  m.content = "Received: from client\r\nSubject: test " + std::to_string(n) + "\r\n\r\nHello\r\n";
  m.client_address = "127.0.0.1";
  m.helo = "client.example.test";
  m.body_8bit = true;
  return m;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(Spool, StoreAndRecoverRoundTrip) {
  TempDir dir;
  Message stored;
  {
    auto spool = Spool::open(dir.path());
    ASSERT_TRUE(spool) << spool.error().message;
    auto r = (*spool)->store_sync(sample());
    ASSERT_TRUE(r) << r.error().message;
    stored = *r;
    EXPECT_TRUE(valid_queue_id(stored.id));
    EXPECT_EQ(stored.size, sample().content.size());
    EXPECT_TRUE(fs::exists(dir.path() / "queue" / stored.id));
  }
  auto spool = Spool::open(dir.path());
  ASSERT_TRUE(spool);
  auto rec = (*spool)->recovered();
  ASSERT_EQ(rec.size(), 1u);
  const Message& m = rec[0];
  EXPECT_EQ(m.id, stored.id);
  EXPECT_EQ(m.sender, "alice@example.test");
  ASSERT_EQ(m.recipients.size(), 2u);
  EXPECT_EQ(m.recipients[1].address, "carol@other.test");
  EXPECT_EQ(m.recipients[1].state, RecipientState::Pending);
  EXPECT_EQ(m.client_address, "127.0.0.1");
  EXPECT_EQ(m.helo, "client.example.test");
  EXPECT_TRUE(m.body_8bit);
  EXPECT_FALSE(m.smtputf8);
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::microseconds>(m.arrival - stored.arrival).count(), 0);
  auto content = (*spool)->read_content(m.id);
  ASSERT_TRUE(content);
  EXPECT_EQ(*content, sample().content);
}

TEST(Spool, IdsAreUniqueSortableAndNeverReusedAcrossRestarts) {
  TempDir dir;
  std::string last;
  for (int round = 0; round < 3; ++round) {
    auto spool = Spool::open(dir.path());
    ASSERT_TRUE(spool);
    for (int i = 0; i < 20; ++i) {
      auto r = (*spool)->store_sync(sample(i));
      ASSERT_TRUE(r);
      EXPECT_GT(r->id, last);
      last = r->id;
      if (i % 2 == 0) {
        ASSERT_TRUE((*spool)->remove(r->id));
      }
    }
  }
  // The floor written at shutdown keeps ids rising even when the files are gone.
  std::ifstream floor(dir.path() / "id-floor");
  std::string text;
  floor >> text;
  EXPECT_GE(text, last);
}

// The arrival log's ids are not files in queue/: serve tells the spool the highest, so an id
// handed out after a clock set back (or a lost id-floor) never names a logged message again.
TEST(Spool, IdsStayAboveOneTheArrivalLogHolds) {
  TempDir dir;
  auto spool = Spool::open(dir.path());
  ASSERT_TRUE(spool);
  const QueueId far_ahead = "7FFFFFFFFFFFFF00";  // well past any clock this century
  (*spool)->keep_ids_above(far_ahead);
  EXPECT_GT((*spool)->reserve_id(), far_ahead);
  auto stored = (*spool)->store_sync(sample(1));
  ASSERT_TRUE(stored);
  EXPECT_GT(stored->id, far_ahead);
  (*spool)->keep_ids_above("not an id");  // ignored
  EXPECT_GT((*spool)->reserve_id(), stored->id);
}

TEST(Spool, UpdateIsRecoveredAndFinishedMessageRemoved) {
  TempDir dir;
  QueueId id;
  {
    auto spool = Spool::open(dir.path());
    ASSERT_TRUE(spool);
    auto m = (*spool)->store_sync(sample());
    ASSERT_TRUE(m);
    id = m->id;
    m->recipients[0].state = RecipientState::Delivered;
    m->recipients[0].attempts = 1;
    m->recipients[0].last_reply = "250 2.0.0 ok";
    m->recipients[0].remote_mta = "maildir";
    m->recipients[1].attempts = 1;
    m->recipients[1].last_reply = "451 4.3.0 try later";
    m->recipients[1].status = "4.3.0";
    m->recipients[1].remote_mta = "mx.other.test[127.0.0.2]:25";
    m->attempts = 1;
    m->next_attempt = m->arrival + std::chrono::minutes(5);
    m->last_error = "451 4.3.0 try later";
    m->delay_warning_sent = true;
    ASSERT_TRUE((*spool)->update(*m));
    EXPECT_TRUE(fs::exists(dir.path() / "queue" / id));
  }
  {
    auto spool = Spool::open(dir.path());
    ASSERT_TRUE(spool);
    auto rec = (*spool)->recovered();
    ASSERT_EQ(rec.size(), 1u);
    Message m = rec[0];
    EXPECT_EQ(m.recipients[0].state, RecipientState::Delivered);
    EXPECT_EQ(m.recipients[1].last_reply, "451 4.3.0 try later");
    EXPECT_EQ(m.recipients[1].remote_mta, "mx.other.test[127.0.0.2]:25");
    EXPECT_EQ(m.recipients[1].status, "4.3.0");
    EXPECT_EQ(m.attempts, 1u);
    EXPECT_EQ(m.next_attempt, m.arrival + std::chrono::minutes(5));
    EXPECT_TRUE(m.delay_warning_sent);
    EXPECT_FALSE(m.bounce_sent);
    // Bounced with a sender: the file stays until the DSN is queued.
    m.recipients[1].state = RecipientState::Bounced;
    ASSERT_TRUE((*spool)->update(m));
    EXPECT_TRUE(fs::exists(dir.path() / "queue" / id));
    m.bounce_sent = true;
    ASSERT_TRUE((*spool)->update(m));
    EXPECT_FALSE(fs::exists(dir.path() / "queue" / id));
    EXPECT_FALSE((*spool)->update(m));  // gone
  }
  auto spool = Spool::open(dir.path());
  EXPECT_TRUE((*spool)->recovered().empty());
}

TEST(Spool, UpdateRefusesAnotherRecipientList) {
  TempDir dir;
  auto spool = Spool::open(dir.path());
  auto m = (*spool)->store_sync(sample());
  ASSERT_TRUE(m);
  m->recipients.pop_back();
  auto r = (*spool)->update(*m);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("1 recipients given, 2 stored"), std::string::npos);
}

TEST(Spool, FinishedFileWhoseUnlinkWasLostIsDroppedAtRecovery) {
  TempDir dir;
  auto spool = Spool::open(dir.path());
  auto m = (*spool)->store_sync(sample());
  ASSERT_TRUE(m);
  std::string before = file_bytes(dir.path() / "queue" / m->id);
  for (auto& r : m->recipients) r.state = RecipientState::Delivered;
  // The finished state record as update() appends it, with the unlink "lost" in a crash.
  write_bytes(dir.path() / "queue" / m->id, before + spool_file::encode_state(*m));
  spool->reset();
  auto again = Spool::open(dir.path());
  EXPECT_TRUE((*again)->recovered().empty());
  EXPECT_FALSE(fs::exists(dir.path() / "queue" / m->id));
}

// Finishing a message moves its file to free/; the next store reuses it (same inode, nothing
// of the old message left), so a busy queue creates and deletes no inodes.
TEST(Spool, FinishedFilesAreReusedForNewMessages) {
  TempDir dir;
  auto spool = Spool::open(dir.path());
  ASSERT_TRUE(spool);
  auto first = (*spool)->store_sync(sample(1));
  ASSERT_TRUE(first);
  struct stat before{};
  ASSERT_EQ(::stat((dir.path() / "queue" / first->id).c_str(), &before), 0);
  for (auto& r : first->recipients) r.state = RecipientState::Delivered;
  ASSERT_TRUE((*spool)->update(*first));
  EXPECT_FALSE(fs::exists(dir.path() / "queue" / first->id));
  EXPECT_TRUE(fs::exists(dir.path() / "free" / first->id));

  auto second = (*spool)->store_sync(sample(2));
  ASSERT_TRUE(second);
  EXPECT_TRUE(fs::is_empty(dir.path() / "free"));
  struct stat after{};
  ASSERT_EQ(::stat((dir.path() / "queue" / second->id).c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  auto content = (*spool)->read_content(second->id);
  ASSERT_TRUE(content);
  EXPECT_EQ(*content, sample(2).content);
  spool->reset();
  auto again = Spool::open(dir.path());
  ASSERT_EQ((*again)->recovered().size(), 1u);
  EXPECT_EQ((*again)->recovered()[0].id, second->id);
  EXPECT_EQ((*again)->recovered()[0].recipients[0].state, RecipientState::Pending);
  EXPECT_TRUE((*again)->recovery_notes().empty());
}

// A crash after a recycled file was renamed to a new id but before its new content reached
// the disk: the file still holds the old, finished message (or nothing). Recovery frees it
// quietly; it is neither a message nor damage.
TEST(Spool, RecycledFileCaughtByACrashIsFreedAtRecovery) {
  TempDir dir;
  QueueId old_id;
  std::string finished_bytes;
  {
    auto spool = Spool::open(dir.path());
    auto m = (*spool)->store_sync(sample());
    ASSERT_TRUE(m);
    old_id = m->id;
    std::string before = file_bytes(dir.path() / "queue" / m->id);
    for (auto& r : m->recipients) r.state = RecipientState::Delivered;
    finished_bytes = before + spool_file::encode_state(*m);
  }
  fs::remove(dir.path() / "queue" / old_id);
  const QueueId stale = "00000000000000A1", empty = "00000000000000A2";
  write_bytes(dir.path() / "queue" / stale, finished_bytes);
  write_bytes(dir.path() / "queue" / empty, "");
  auto spool = Spool::open(dir.path());
  ASSERT_TRUE(spool);
  EXPECT_TRUE((*spool)->recovered().empty());
  EXPECT_TRUE((*spool)->recovery_notes().empty());
  EXPECT_FALSE(fs::exists(dir.path() / "corrupt"));
  EXPECT_TRUE(fs::is_empty(dir.path() / "queue"));
  EXPECT_TRUE(fs::exists(dir.path() / "free" / stale));
  EXPECT_TRUE(fs::exists(dir.path() / "free" / empty));
  // Both are taken again, and what they held is gone.
  auto a = (*spool)->store_sync(sample(7));
  auto b = (*spool)->store_sync(sample(8));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(fs::is_empty(dir.path() / "free"));
  EXPECT_EQ(*(*spool)->read_content(a->id), sample(7).content);
  EXPECT_EQ(*(*spool)->read_content(b->id), sample(8).content);
}

TEST(Spool, FreeFilesAreCappedAtTheLimit) {
  TempDir dir;
  SpoolOptions options;
  options.max_free_files = 2;
  auto spool = Spool::open(dir.path(), options);
  ASSERT_TRUE(spool);
  std::vector<Message> stored;
  for (int i = 0; i < 5; ++i) stored.push_back(*(*spool)->store_sync(sample(i)));
  for (auto& m : stored) {
    for (auto& r : m.recipients) r.state = RecipientState::Delivered;
    ASSERT_TRUE((*spool)->update(m));
  }
  EXPECT_TRUE(fs::is_empty(dir.path() / "queue"));
  std::size_t free_count = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path() / "free")) ++free_count;
  EXPECT_EQ(free_count, 2u);
  // A restart with a lower limit trims what is there.
  spool->reset();
  options.max_free_files = 1;
  auto again = Spool::open(dir.path(), options);
  ASSERT_TRUE(again);
  free_count = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path() / "free")) ++free_count;
  EXPECT_EQ(free_count, 1u);
}

TEST(Spool, GroupCommitManyConcurrentStores) {
  TempDir dir;
  constexpr int kThreads = 8, kEach = 50;
  std::mutex mutex;
  std::set<QueueId> ids;
  std::atomic<int> callbacks{0}, errors{0};
  {
    auto spool = Spool::open(dir.path(), SpoolOptions{.commit_threads = 4});
    ASSERT_TRUE(spool);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i)
          (*spool)->store(sample(t * kEach + i), [&](core::Result<Message> r) {
            ++callbacks;
            if (!r) {
              ++errors;
              return;
            }
            // Durable when the callback runs: the file is complete on disk already.
            EXPECT_TRUE(spool_file::decode(file_bytes(dir.path() / "queue" / r->id)).has_value());
            std::lock_guard lock(mutex);
            ids.insert(r->id);
          });
      });
    for (auto& t : threads) t.join();
  }  // the destructor commits everything handed over before it returns
  EXPECT_EQ(callbacks.load(), kThreads * kEach);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach));
  auto spool = Spool::open(dir.path());
  auto rec = (*spool)->recovered();
  ASSERT_EQ(rec.size(), ids.size());
  for (const auto& m : rec) EXPECT_TRUE(ids.count(m.id));
}

// A write failure made by the kernel, not a seam: RLIMIT_FSIZE makes write() past the limit
// fail with EFBIG, as a full disk fails with ENOSPC, after a short write of what fits.
TEST(Spool, WriteFailureGivesAnErrorAndKeepsNothing) {
  TempDir dir;
  auto spool = Spool::open(dir.path());
  ASSERT_TRUE(spool);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit small = old;
  small.rlim_cur = 1000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  NewMessage big = sample();
  big.content.append(5000, 'x');
  auto r = (*spool)->store_sync(big);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("File too large"), std::string::npos) << r.error().message;
  EXPECT_TRUE(fs::is_empty(dir.path() / "queue"));
  // The spool still works afterwards.
  EXPECT_TRUE((*spool)->store_sync(sample()));
}

TEST(Spool, FailedUpdateLeavesThePreviousState) {
  TempDir dir;
  auto spool = Spool::open(dir.path());
  auto m = (*spool)->store_sync(sample());
  ASSERT_TRUE(m);
  auto size_before = fs::file_size(dir.path() / "queue" / m->id);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = size_before + 10;  // the state record does not fit
  ::setrlimit(RLIMIT_FSIZE, &small);
  m->recipients[0].state = RecipientState::Delivered;
  auto r = (*spool)->update(*m);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(r);
  EXPECT_EQ(fs::file_size(dir.path() / "queue" / m->id), size_before);  // cut back
  m->attempts = 3;
  ASSERT_TRUE((*spool)->update(*m));
  auto listed = read_message(dir.path(), m->id);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->attempts, 3u);
}

TEST(Spool, ListingSkipsIncompleteAndVanishedFiles) {
  TempDir dir;
  auto spool = Spool::open(dir.path());
  auto a = (*spool)->store_sync(sample(1));
  auto b = (*spool)->store_sync(sample(2));
  ASSERT_TRUE(a && b);
  // A message being written: no commit record yet.
  std::string bytes = file_bytes(dir.path() / "queue" / b->id);
  write_bytes(dir.path() / "queue" / "00000000000000FF", bytes.substr(0, bytes.size() - 10));
  write_bytes(dir.path() / "queue" / "not-a-queue-file", "x");
  auto listed = list_spool(dir.path());
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, a->id);
  EXPECT_EQ((*listed)[1].id, b->id);
  auto incomplete = read_message(dir.path(), "00000000000000FF");
  ASSERT_FALSE(incomplete);
  EXPECT_NE(incomplete.error().message.find("still being written"), std::string::npos);
  auto missing = read_message(dir.path(), "0000000000000001");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no message 0000000000000001"), std::string::npos);
  EXPECT_FALSE(read_message(dir.path(), "../../etc/passwd"));
  // The listing wrote nothing: the incomplete file is still there, byte for byte.
  EXPECT_EQ(file_bytes(dir.path() / "queue" / "00000000000000FF"),
            bytes.substr(0, bytes.size() - 10));
  EXPECT_FALSE(list_spool(dir.path() / "nonexistent"));
}

TEST(Spool, OfflineRescheduleAndRemove) {
  TempDir dir;
  QueueId id;
  {
    auto spool = Spool::open(dir.path());
    auto m = (*spool)->store_sync(sample());
    ASSERT_TRUE(m);
    m->next_attempt = m->arrival + std::chrono::hours(1);
    ASSERT_TRUE((*spool)->update(*m));
    id = m->id;
  }
  auto now = Clock::now();
  ASSERT_TRUE(reschedule_offline(dir.path(), id, now));
  auto m = read_message(dir.path(), id);
  ASSERT_TRUE(m);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(m->next_attempt - now).count(),
            0);
  ASSERT_TRUE(remove_offline(dir.path(), id));
  EXPECT_FALSE(remove_offline(dir.path(), id));
  EXPECT_FALSE(reschedule_offline(dir.path(), id, now));
}

TEST(Spool, DamagedFileIsMovedAsideNotDeleted) {
  TempDir dir;
  QueueId id;
  {
    auto spool = Spool::open(dir.path());
    auto m = (*spool)->store_sync(sample());
    ASSERT_TRUE(m);
    id = m->id;
  }
  std::string bytes = file_bytes(dir.path() / "queue" / id);
  bytes[0] = 'X';  // not a torn write: a file that is wrong from its first octet
  write_bytes(dir.path() / "queue" / id, bytes);
  auto spool = Spool::open(dir.path());
  EXPECT_TRUE((*spool)->recovered().empty());
  EXPECT_TRUE(fs::exists(dir.path() / "corrupt" / id));
  ASSERT_EQ((*spool)->recovery_notes().size(), 1u);
  EXPECT_NE((*spool)->recovery_notes()[0].find("bad magic"), std::string::npos);
}

}  // namespace
}  // namespace mxkit::queue
