// POSIX file helpers for durable storage (see file_io.hpp).
#include "core/file_io.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace mxkit::core {

std::string errno_text(int err) { return std::strerror(err); }

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = EIO;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

Result<void> fsync_dir(int dir_fd, const std::filesystem::path& path) {
  if (::fsync(dir_fd) != 0)
    return fail(fmt::format("{}: fsync: {}", path.string(), errno_text(errno)));
  return {};
}

Result<void> fsync_dir(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(fmt::format("{}: {}", path.string(), errno_text(errno)));
  auto r = fsync_dir(fd, path);
  ::close(fd);
  return r;
}

}  // namespace mxkit::core
