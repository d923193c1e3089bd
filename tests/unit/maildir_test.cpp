// Maildir naming and layout, and the courier on real files: exactly one copy per queue id and
// recipient, even when a job is delivered again (as after a crash).
#include "delivery/maildir.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <future>
#include <map>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <cerrno>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

// Fault injection for an error the kernel gives too rarely to wait for (a write-back failure,
// which syncfs reports): the courier's calls to syncfs resolve to this test binary's, which
// fails with EIO while `syncfs_fails` is set and is the real system call otherwise.
namespace {
std::atomic<bool> syncfs_fails{false};
}  // namespace
extern "C" int syncfs(int fd) noexcept {
  if (syncfs_fails) {
    errno = EIO;
    return -1;
  }
  return static_cast<int>(::syscall(SYS_syncfs, fd));
}

namespace mxkit::delivery {
namespace {

TEST(Maildir, Folders) {
  const std::filesystem::path root = "/m";
  EXPECT_EQ(*maildir_folder(root, "John.Doe@Example.TEST"), "/m/example.test/john.doe");
  for (const char* bad :
       {"../x@example.test", ".x@example.test", "a/b@example.test", "x@..", "nodomain", "@x"})
    EXPECT_FALSE(maildir_folder(root, bad)) << bad;
}

TEST(Maildir, NamesAreDerivedFromTheQueue) {
  EXPECT_EQ(maildir_file_name("0661E0241E1C2E00", 2, 1796465166, "mx.test"),
            "1796465166.Q0661E0241E1C2E00R2.mx.test");
  EXPECT_EQ(maildir_file_name("A", 0, 1, "odd/host:name"), "1.QAR0.odd\\057host\\072name");
}

TEST(Maildir, ContentGetsReturnPathAndLf) {
  EXPECT_EQ(maildir_content("a@b.test", "Subject: x\r\n\r\nbody\r\nbare\rcr\r\n"),
            "Return-Path: <a@b.test>\nSubject: x\n\nbody\nbare\rcr\n");
  EXPECT_EQ(maildir_content("", "x\r\n"), "Return-Path: <>\nx\n");
}

std::vector<DeliveryResult> deliver(MaildirCourier& courier, DeliveryJob job) {
  std::promise<std::vector<DeliveryResult>> promise;
  auto future = promise.get_future();
  courier.deliver(std::move(job), [&promise](std::vector<DeliveryResult> results) {
    promise.set_value(std::move(results));
  });
  return future.get();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path scratch(const std::string& what) {
  return std::filesystem::temp_directory_path() /
         fmt::format("mxkit-maildir-{}-{}", what, ::getpid());
}

TEST(Maildir, CourierWritesOnceAcrossRedeliveries) {
  const auto root = scratch("once");
  std::filesystem::remove_all(root);
  MaildirCourier courier(root, "mx.test");
  DeliveryJob job;
  job.message.id = "00000000000000AB";
  job.message.sender = "a@client.test";
  job.message.arrival = queue::Clock::time_point(std::chrono::seconds(1000));
  for (const char* address : {"john@example.test", "Jane@Example.Test", "../x@example.test"}) {
    queue::Recipient recipient;
    recipient.address = address;
    job.message.recipients.push_back(recipient);
  }
  job.content = std::make_shared<const std::string>("Subject: hi\r\n\r\nhello\r\n");
  job.recipients = {0, 1, 2};
  auto results = deliver(courier, job);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, DeliveryResult::Status::Delivered);
  EXPECT_EQ(results[1].status, DeliveryResult::Status::Delivered);
  EXPECT_EQ(results[2].status, DeliveryResult::Status::Bounced);
  const auto john = root / "example.test" / "john";
  for (const char* sub : {"tmp", "new", "cur"})
    EXPECT_TRUE(std::filesystem::is_directory(john / sub));
  const auto name = maildir_file_name(job.message.id, 0, 1000, "mx.test");
  ASSERT_TRUE(std::filesystem::exists(john / "new" / name));
  EXPECT_EQ(read_file(john / "new" / name),
            "Return-Path: <a@client.test>\nSubject: hi\n\nhello\n");
  EXPECT_TRUE(std::filesystem::is_empty(john / "tmp"));
  // A reader moved it to cur/ with flags; a redelivery of the recovered message finds it there.
  std::filesystem::rename(john / "new" / name, john / "cur" / (name + ":2,S"));
  job.recovered = true;
  results = deliver(courier, job);
  EXPECT_EQ(results[0].status, DeliveryResult::Status::Delivered);
  EXPECT_NE(results[0].reply.find("copy found"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(john / "new"));
  EXPECT_TRUE(std::filesystem::is_empty(john / "tmp"));
  std::size_t jane_copies = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(root / "example.test" / "jane" / "new")) {
    (void)e;
    ++jane_copies;
  }
  EXPECT_EQ(jane_copies, 1u);
  courier.stop();
  std::filesystem::remove_all(root);
}

// A job of one message with one recipient.
DeliveryJob one_recipient_job(const char* id, const char* address, std::int64_t arrival,
                              const char* content) {
  DeliveryJob job;
  job.message.id = id;
  job.message.sender = "a@client.test";
  job.message.arrival = queue::Clock::time_point(std::chrono::seconds(arrival));
  queue::Recipient recipient;
  recipient.address = address;
  job.message.recipients.push_back(recipient);
  job.content = std::make_shared<const std::string>(content);
  job.recipients = {0};
  return job;
}

// This process's threads by name (/proc/self/task/TID/comm), each with its scheduling policy
// and nice value.
struct ThreadPriority {
  int policy = -1;
  int nice = 0;
};
std::multimap<std::string, ThreadPriority> thread_priorities() {
  std::multimap<std::string, ThreadPriority> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string name = read_file(task.path() / "comm");
    if (!name.empty() && name.back() == '\n') name.pop_back();
    const auto tid = static_cast<pid_t>(std::stol(task.path().filename().string()));
    out.emplace(name, ThreadPriority{::sched_getscheduler(tid),
                                     ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid))});
  }
  return out;
}

// The arrival log's courier runs at nice 19, below the sessions; the courier sessions wait on
// keeps their priority. Both deliver.
TEST(Maildir, ABackgroundCourierRunsBelowNormalThreads) {
  const auto root = scratch("priority");
  std::filesystem::remove_all(root);
  MaildirCourier normal(root, "mx.test", {.writers = 2});
  MaildirCourier background(root, "mx.test", {.writers = 2, .nice = 19});
  auto job = one_recipient_job("00000000000000CD", "low@example.test", 1000,
                               "Subject: low\r\n\r\nbody\r\n");
  // Each thread sets its priority first thing.
  auto results = deliver(background, job);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DeliveryResult::Status::Delivered);
  job.message.id = "00000000000000CE";
  EXPECT_EQ(deliver(normal, job).at(0).status, DeliveryResult::Status::Delivered);
  // An idle writer may not have run yet: looked at again for up to 5 s.
  std::size_t low = 0, normal_threads = 0;
  std::multimap<std::string, ThreadPriority> threads;
  const auto is_low = [](const ThreadPriority& p) { return p.nice == 19; };
  for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);;) {
    threads = thread_priorities();
    low = 0;
    for (const auto& [name, priority] : threads)
      if ((name == "mx-maildir-bg" || name == "mx-maildir-bgs") && is_low(priority)) ++low;
    if (low == 3 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(low, 3u);  // two writers and the syncer
  for (const auto& [name, priority] : threads) {
    if (name == "mx-maildir-w" || name == "mx-maildir-sync") {
      ++normal_threads;
      // as this thread's (the suite may run under nice)
      EXPECT_EQ(priority.policy, ::sched_getscheduler(0)) << name;
      EXPECT_EQ(priority.nice, ::getpriority(PRIO_PROCESS, 0)) << name;
    }
  }
  EXPECT_EQ(normal_threads, 3u);
  normal.stop();
  background.stop();
  std::filesystem::remove_all(root);
}

std::size_t files_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

// Many sessions delivering at once: the writers write (and fsync, FsyncEach) in parallel, the
// committer makes a batch durable (SyncfsBatch) and fsyncs each folder once for it, yet every
// job is reported once, every copy is in new/ exactly once, and nothing is left in tmp/. A
// stop() reports the jobs it was handed first.
class MaildirDurability : public ::testing::TestWithParam<MaildirCourier::Durability> {};

TEST_P(MaildirDurability, ConcurrentJobsAreEachWrittenOnceAndReported) {
  const auto root = scratch("par");
  std::filesystem::remove_all(root);
  constexpr int kThreads = 6, kJobs = 40;
  std::atomic<int> delivered{0}, reported{0};
  {
    MaildirCourier courier(root, "mx.test", {.writers = 4, .durability = GetParam()});
    std::vector<std::thread> senders;
    for (int t = 0; t < kThreads; ++t) {
      senders.emplace_back([&, t] {
        for (int j = 0; j < kJobs; ++j) {
          DeliveryJob job;
          job.message.id = fmt::format("{:016X}", t * 1000 + j + 1);
          job.message.sender = "a@client.test";
          job.message.arrival = queue::Clock::time_point(std::chrono::seconds(2000));
          for (const char* address : {"one@example.test", "two@example.test"}) {
            queue::Recipient recipient;
            recipient.address = address;
            job.message.recipients.push_back(recipient);
          }
          job.content = std::make_shared<const std::string>("Subject: n\r\n\r\nbody\r\n");
          job.recipients = {0, 1};
          courier.deliver(std::move(job), [&](std::vector<DeliveryResult> results) {
            ++reported;
            for (const auto& r : results)
              if (r.status == DeliveryResult::Status::Delivered) ++delivered;
          });
        }
      });
    }
    for (auto& s : senders) s.join();
    courier.stop();  // every job handed over is written and reported before stop() returns
    EXPECT_EQ(reported.load(), kThreads * kJobs);
    EXPECT_EQ(delivered.load(), kThreads * kJobs * 2);
  }
  for (const char* user : {"one", "two"}) {
    const auto folder = root / "example.test" / user;
    EXPECT_EQ(files_in(folder / "new"), static_cast<std::size_t>(kThreads * kJobs)) << user;
    EXPECT_EQ(files_in(folder / "tmp"), 0u) << user;
  }
  std::filesystem::remove_all(root);
}

INSTANTIATE_TEST_SUITE_P(Both, MaildirDurability,
                         ::testing::Values(MaildirCourier::Durability::FsyncEach,
                                           MaildirCourier::Durability::SyncfsBatch));

// A gathering courier (as serve runs the arrival log's) makes the copies of jobs handed over
// over a while durable together: forty jobs 3 ms apart take a handful of group commits (each
// one syncfs), not forty, and each copy is in new/ with its content, none left in tmp/.
TEST(Maildir, CopiesHandedOverWithinTheGatherTimeShareAGroupCommit) {
  const auto root = scratch("group");
  std::filesystem::remove_all(root);
  constexpr int kJobs = 40;
  MaildirCourier courier(root, "mx.test",
                         {.writers = 4,
                          .durability = MaildirCourier::Durability::SyncfsBatch,
                          .gather = std::chrono::milliseconds(500)});
  std::promise<void> all_reported;
  std::atomic<int> reported{0}, delivered{0};
  for (int j = 0; j < kJobs; ++j) {
    const std::string id = fmt::format("{:016X}", j + 1);
    const std::string content = fmt::format("Subject: {}\r\n\r\nbody {}\r\n", j, j);
    auto job = one_recipient_job(id.c_str(), "group@example.test", 4000, content.c_str());
    courier.deliver(std::move(job), [&](std::vector<DeliveryResult> results) {
      for (const auto& r : results)
        if (r.status == DeliveryResult::Status::Delivered) ++delivered;
      if (++reported == kJobs) all_reported.set_value();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  all_reported.get_future().wait();
  EXPECT_EQ(delivered.load(), kJobs);
  EXPECT_LE(courier.commits(), 3u);
  const auto folder = root / "example.test" / "group";
  EXPECT_EQ(files_in(folder / "new"), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(files_in(folder / "tmp"), 0u);
  EXPECT_EQ(read_file(folder / "new" / maildir_file_name(fmt::format("{:016X}", 7), 0, 4000,
                                                          "mx.test")),
            "Return-Path: <a@client.test>\nSubject: 6\n\nbody 6\n");
  courier.stop();
  std::filesystem::remove_all(root);
}

// A failed syncfs defers every copy of its batch: each job hears 451 4.3.0 naming syncfs, its
// tmp/ file is gone and nothing is in new/. More copies fail than the courier keeps open (512),
// so a count of open copies that missed the failed ones would stop the writers for good; the
// same jobs then go through once syncfs works again, each copy once.
TEST(Maildir, AFailedSyncfsDefersItsBatchAndTheCourierGoesOn) {
  const auto root = scratch("syncfs");
  std::filesystem::remove_all(root);
  constexpr int kJobs = 600;
  MaildirCourier courier(root, "mx.test",
                         {.writers = 4, .durability = MaildirCourier::Durability::SyncfsBatch});
  const auto folder = root / "example.test" / "eio";
  auto round = [&](bool retry) {
    std::promise<void> all;
    std::atomic<int> reported{0}, delivered{0}, deferred_syncfs{0};
    for (int j = 0; j < kJobs; ++j) {
      const std::string id = fmt::format("{:016X}", j + 1);
      auto job = one_recipient_job(id.c_str(), "eio@example.test", 5000, "Subject: x\r\n\r\nb\r\n");
      job.message.recipients[0].attempts = retry ? 1 : 0;
      courier.deliver(std::move(job), [&](std::vector<DeliveryResult> results) {
        for (const auto& r : results) {
          if (r.status == DeliveryResult::Status::Delivered) ++delivered;
          if (r.status == DeliveryResult::Status::Deferred && r.enhanced == "4.3.0" &&
              r.reply.find("syncfs: ") != std::string::npos)
            ++deferred_syncfs;
        }
        if (++reported == kJobs) all.set_value();
      });
    }
    EXPECT_EQ(all.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready)
        << reported.load() << " of " << kJobs << " jobs reported";
    return std::make_pair(delivered.load(), deferred_syncfs.load());
  };
  syncfs_fails = true;
  EXPECT_EQ(round(false), std::make_pair(0, kJobs));
  syncfs_fails = false;
  EXPECT_EQ(files_in(folder / "tmp"), 0u);
  EXPECT_EQ(files_in(folder / "new"), 0u);
  EXPECT_EQ(round(true), std::make_pair(kJobs, 0));
  EXPECT_EQ(files_in(folder / "new"), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(files_in(folder / "tmp"), 0u);
  courier.stop();
  std::filesystem::remove_all(root);
}

// A first attempt that finds its copy's name taken in new/ (written by an attempt whose outcome
// was never recorded) reports the copy found and leaves the file as it is: no second copy, no
// overwrite (the rename into new/ is RENAME_NOREPLACE).
TEST(Maildir, ANameTakenInNewIsNotOverwritten) {
  const auto root = scratch("taken");
  std::filesystem::remove_all(root);
  const auto folder = root / "example.test" / "john";
  for (const char* sub : {"tmp", "new", "cur"}) std::filesystem::create_directories(folder / sub);
  const auto job = one_recipient_job("00000000000000CD", "john@example.test", 3000,
                                     "Subject: again\r\n\r\nbody\r\n");
  const auto name = maildir_file_name(job.message.id, 0, 3000, "mx.test");
  { std::ofstream(folder / "new" / name) << "the earlier copy\n"; }
  MaildirCourier courier(root, "mx.test", {.writers = 2});
  const auto results = deliver(courier, job);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DeliveryResult::Status::Delivered);
  EXPECT_NE(results[0].reply.find("copy found"), std::string::npos) << results[0].reply;
  EXPECT_EQ(read_file(folder / "new" / name), "the earlier copy\n");
  EXPECT_EQ(files_in(folder / "new"), 1u);
  EXPECT_EQ(files_in(folder / "tmp"), 0u);
  courier.stop();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace mxkit::delivery
