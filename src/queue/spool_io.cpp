#include "queue/spool_io.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mxkit::queue::spool_io {

namespace fs = std::filesystem;

fs::path queue_dir(const fs::path& spool) { return spool / "queue"; }
fs::path message_path(const fs::path& spool, const QueueId& id) { return queue_dir(spool) / id; }

tl::expected<std::string, ReadError> read_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return tl::unexpected(
        ReadError{err == ENOENT, fmt::format("{}: {}", path.string(), errno_text(err))});
  }
  std::string data;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) data.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return tl::unexpected(
          ReadError{false, fmt::format("{}: read: {}", path.string(), errno_text(err))});
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

core::Result<void> append_record(const fs::path& path, std::string_view record) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return core::fail(fmt::format("{}: no such message", path.filename().string()));
    return core::fail(fmt::format("{}: {}", path.string(), errno_text(err)));
  }
  // The end is taken once, not with O_APPEND, so the cut-back on failure knows where to cut.
  off_t end = ::lseek(fd, 0, SEEK_END);
  bool ok = end >= 0 && write_all(fd, record) && ::fdatasync(fd) == 0;
  if (!ok) {
    int err = errno;
    if (end >= 0 && ::ftruncate(fd, end) == 0) (void)::fdatasync(fd);
    ::close(fd);
    return core::fail(
        fmt::format("{}: appending a state record: {}", path.string(), errno_text(err)));
  }
  ::close(fd);
  return {};
}

core::Result<spool_file::Decoded> load(const fs::path& spool, const QueueId& id,
                                       std::string* bytes) {
  auto data = read_file(message_path(spool, id));
  if (!data) {
    if (data.error().missing)
      return core::fail(fmt::format("no message {} in {}", id, spool.string()));
    return core::fail(data.error().message);
  }
  auto decoded = spool_file::decode(*data);
  if (!decoded) {
    if (decoded.error().kind == spool_file::DecodeError::Incomplete)
      return core::fail(fmt::format("message {} is still being written", id));
    return core::fail(
        fmt::format("{}: {}", message_path(spool, id).string(), decoded.error().reason));
  }
  if (decoded->message.id != id)
    return core::fail(fmt::format("{}: the file names message {}", message_path(spool, id).string(),
                                  decoded->message.id));
  if (bytes) *bytes = std::move(*data);
  return std::move(*decoded);
}

}  // namespace mxkit::queue::spool_io
