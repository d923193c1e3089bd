// Why the arrival log reuses its segments (docs/architecture.md, "The arrival log"): one commit
// (pwrite of CHUNK bytes after the last, then fdatasync) into blocks already written, against
// the same into posix_fallocate'd blocks, whose unwritten extents each commit must convert (and
// write the inode for). Prints commits/s, CPU and median latency per commit for each.
//
// Usage: build/release/bench/log_commit_bench [DIR] [COMMITS] [CHUNK]   (/tmp, 2000, 13000)
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
  rusage r{};
  ::getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

void run(const std::string& dir, bool written, int commits, std::size_t chunk) {
  const std::string path = dir + "/mxkit-log-commit-bench." + (written ? "written" : "fallocated");
  const std::size_t size = chunk * static_cast<std::size_t>(commits) + (1u << 20);
  ::unlink(path.c_str());
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  if (written) {
    const std::string zeros(1u << 20, '\0');
    for (std::size_t at = 0; at < size; at += zeros.size())
      if (::write(fd, zeros.data(), zeros.size()) < 0) std::exit(1);
  } else if (::posix_fallocate(fd, 0, static_cast<off_t>(size)) != 0) {
    std::exit(1);
  }
  ::fsync(fd);
  const std::string data(chunk, 'x');
  std::vector<double> latency;
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < commits; ++i) {
    const auto a = std::chrono::steady_clock::now();
    if (::pwrite(fd, data.data(), data.size(), static_cast<off_t>(static_cast<std::size_t>(i) * chunk)) < 0 ||
        ::fdatasync(fd) != 0)
      std::exit(1);
    latency.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  std::sort(latency.begin(), latency.end());
  std::printf("%-10s %zu-byte commits: %6.0f commits/s, CPU %4.0f us/commit, median latency %4.0f us\n",
              written ? "written" : "fallocated", chunk, commits / wall, cpu / commits * 1e6,
              latency[latency.size() / 2]);
  ::close(fd);
  ::unlink(path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp";
  const int commits = argc > 2 ? std::atoi(argv[2]) : 2000;
  const std::size_t chunk = argc > 3 ? static_cast<std::size_t>(std::atol(argv[3])) : 13000;
  for (int round = 0; round < 2; ++round) {  // interleaved: the machine is shared
    run(dir, false, commits, chunk);
    run(dir, true, commits, chunk);
  }
}
