// Child processes, captured commands, the temporary directory and Ctrl-C for `mxkit demo`.
#include "cli/demo_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mxkit::cli::demo {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int signo) { g_signal = signo; }

using Clock = std::chrono::steady_clock;

// Between fork() and exec only async-signal-safe calls: the argv array is built before fork.
[[noreturn]] void exec_child(const std::vector<char*>& args, int out_fd, pid_t parent) {
  // Die with the demo: a parent that is gone can no longer stop us (Linux prctl(2)).
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  ::setpgid(0, 0);                          // Ctrl-C at the terminal is the demo's to handle
  // The child starts with default dispositions and an empty mask, whatever the demo set.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  ::execv(args[0], args.data());
  static const char kMessage[] = "mxkit demo: cannot execute the child\n";
  (void)!::write(2, kMessage, sizeof kMessage - 1);
  ::_exit(127);
}

core::Result<pid_t> fork_exec(const std::vector<std::string>& argv,
                              const std::filesystem::path& out, bool append) {
  if (argv.empty()) return core::fail("no command");
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  int fd = ::open(out.c_str(), flags, 0600);
  if (fd < 0) return core::fail(out.string() + ": " + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(fd);
    return core::fail(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) exec_child(args, fd, parent);
  ::close(fd);
  return pid;
}

}  // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a reader of our output that goes away must not skip the cleanup
}

bool interrupted() { return g_signal != 0; }

void throw_if_interrupted() {
  if (interrupted()) throw Interrupted();
}

void sleep_for(std::chrono::milliseconds duration) {
  const auto end = Clock::now() + duration;
  for (;;) {
    throw_if_interrupted();
    const auto now = Clock::now();
    if (now >= end) return;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(end - now, std::chrono::milliseconds(20)));
  }
}

std::string self_executable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/proc/self/exe") : path.string();
}

// --- Child ---------------------------------------------------------------------------------

core::Result<Child> Child::spawn(const std::vector<std::string>& argv,
                                 const std::filesystem::path& log) {
  auto pid = fork_exec(argv, log, true);
  if (!pid) return tl::unexpected(pid.error());
  Child child;
  child.pid_ = *pid;
  child.log_ = log;
  child.argv_ = argv;
  return child;
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_),
      status_(other.status_),
      log_(std::move(other.log_)),
      argv_(std::move(other.argv_)) {
  other.pid_ = -1;
}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = other.pid_;
    status_ = other.status_;
    log_ = std::move(other.log_);
    argv_ = std::move(other.argv_);
    other.pid_ = -1;
  }
  return *this;
}

Child::~Child() { stop(); }

bool Child::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  status_ = r == pid_ ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) : -1;
  pid_ = -1;
  return false;
}

void Child::signal(int signo) const {
  if (pid_ > 0) ::kill(pid_, signo);
}

void Child::stop(std::chrono::milliseconds grace) {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto end = Clock::now() + grace;
  while (Clock::now() < end) {
    if (!running()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = 128 + SIGKILL;
  pid_ = -1;
}

// --- commands run to their end ---------------------------------------------------------------

core::Result<Finished> run_to_end(const std::vector<std::string>& argv,
                                  const std::filesystem::path& scratch,
                                  std::chrono::milliseconds timeout) {
  static unsigned counter = 0;
  const auto out_path = scratch / ("command-" + std::to_string(++counter) + ".out");
  auto child = Child::spawn(argv, out_path);
  if (!child) return tl::unexpected(child.error());
  Finished finished;
  const auto end = Clock::now() + timeout;
  while (child->running()) {
    if (interrupted()) {
      child->stop();
      throw Interrupted();
    }
    if (Clock::now() >= end) {
      child->stop();
      finished.status = -1;
      finished.out = read_file(out_path);
      std::filesystem::remove(out_path);
      return finished;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  finished.status = child->exit_status();
  // stdout and stderr share the file, in the order they were written, as on a terminal.
  finished.out = read_file(out_path);
  std::error_code ec;
  std::filesystem::remove(out_path, ec);
  return finished;
}

// --- files ---------------------------------------------------------------------------------

core::Result<TempDir> TempDir::create(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    return core::fail(pattern + ": cannot create a temporary directory: " + std::strerror(errno));
  TempDir dir;
  dir.path_ = pattern;
  return dir;
}

bool TempDir::remove() {
  if (path_.empty()) return true;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) return false;
  path_.clear();
  return true;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

core::Result<void> write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return core::fail(path.string() + ": cannot write");
  return {};
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !a.empty() && a.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789@%+=:,./_-") == std::string::npos;
    if (plain) {
      line += a;
      continue;
    }
    line += '\'';
    for (char c : a) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace mxkit::cli::demo
