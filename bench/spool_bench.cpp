// Spool store throughput with group commit: messages/s into SPOOL/queue/ with every fsync,
// from many concurrent producers (as many SMTP sessions would), for a few commit-thread counts.
//   spool_bench DIR [MESSAGES] [SIZE] [INFLIGHT]
// Not Google Benchmark: one run is seconds of real fsyncs, and the figure wanted is the rate.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "queue/spool.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: spool_bench DIR [MESSAGES] [SIZE] [INFLIGHT]\n");
    return 2;
  }
  std::filesystem::path base = argv[1];
  int messages = argc > 2 ? std::stoi(argv[2]) : 4000;
  std::size_t size = argc > 3 ? std::stoul(argv[3]) : 4096;
  int inflight = argc > 4 ? std::stoi(argv[4]) : 64;  // concurrent sessions waiting for their 250
  std::printf("%d messages of %zu octets, %d in flight\n", messages, size, inflight);
  std::printf("commit_threads  msg/s  mean-latency-ms\n");
  for (std::size_t threads : {1, 2, 4, 8, 16}) {
    std::filesystem::path dir = base / fmt::format("t{}", threads);
    std::filesystem::remove_all(dir);
    auto spool = mxkit::queue::Spool::open(dir, {.commit_threads = threads});
    if (!spool) {
      std::fprintf(stderr, "%s\n", spool.error().message.c_str());
      return 1;
    }
    std::mutex m;
    std::condition_variable cv;
    int outstanding = 0, done = 0, errors = 0;
    double latency_sum = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < messages; ++i) {
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return outstanding < inflight; });
        ++outstanding;
      }
      mxkit::queue::NewMessage n;
      n.sender = "bench@example.test";
      n.recipients = {"sink@example.test"};
      n.content.assign(size, 'x');
      auto t0 = std::chrono::steady_clock::now();
      (*spool)->store(std::move(n), [&, t0](mxkit::core::Result<mxkit::queue::Message> r) {
        auto dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                      .count();
        std::lock_guard lock(m);
        --outstanding;
        ++done;
        latency_sum += dt;
        if (!r) ++errors;
        cv.notify_all();
      });
    }
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return done == messages; });
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%14zu  %5.0f  %6.2f%s\n", threads, messages / secs, latency_sum / messages,
                errors ? " (errors!)" : "");
    spool->reset();
    std::filesystem::remove_all(dir);
  }
  return 0;
}
