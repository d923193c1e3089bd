// The processes and files `mxkit demo` owns: child `mxkit serve` processes started from this
// very binary, commands run to their end with their output captured, a temporary directory, and
// the Ctrl-C handling that makes sure every one of them is gone when the demo ends.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/types.h>

#include "core/result.hpp"

namespace mxkit::cli::demo {

// SIGINT and SIGTERM only set a flag (async-signal-safe); every wait of the demo polls it and
// throws Interrupted, so the destructors stop the children and remove the files.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};
void install_signal_handlers();
bool interrupted();
void throw_if_interrupted();
// Sleeps in short slices, throwing Interrupted as soon as a signal came.
void sleep_for(std::chrono::milliseconds duration);

// The running binary, so the children are this very mxkit whatever the PATH says.
std::string self_executable();

// A child process. Its stdout and stderr go to `log` (the server's log lines the demo shows);
// it runs in its own process group, so a Ctrl-C at the terminal reaches the demo only and the
// demo stops its children in order; and it gets SIGTERM if the demo dies without cleaning up
// (PR_SET_PDEATHSIG), so a `kill -9` of the demo leaves no server behind either.
class Child {
 public:
  static core::Result<Child> spawn(const std::vector<std::string>& argv,
                                   const std::filesystem::path& log);
  Child() = default;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log() const { return log_; }
  const std::vector<std::string>& argv() const { return argv_; }
  bool running();  // reaps it when it has exited
  int exit_status() const { return status_; }
  void signal(int signo) const;
  // SIGTERM, up to `grace` for it to exit, then SIGKILL; always reaps it. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::filesystem::path log_;
  std::vector<std::string> argv_;
};

// A command run to its end: its exit status (-1 when killed at the deadline) and its output.
struct Finished {
  int status = -1;
  std::string out;
  std::string err;
};
// Runs argv with stdout and stderr captured into files under `scratch` (read back and removed);
// kills it at `timeout`. Throws Interrupted on Ctrl-C (after stopping it).
core::Result<Finished> run_to_end(const std::vector<std::string>& argv,
                                  const std::filesystem::path& scratch,
                                  std::chrono::milliseconds timeout);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  static core::Result<TempDir> create(const std::string& prefix);
  TempDir() = default;
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { remove(); }

  const std::filesystem::path& path() const { return path_; }
  bool remove();  // true when the directory is gone

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
core::Result<void> write_file(const std::filesystem::path& path, const std::string& text);
// A command line as a user would type it: arguments with spaces or shell characters quoted.
std::string shell_line(const std::vector<std::string>& argv);

}  // namespace mxkit::cli::demo
