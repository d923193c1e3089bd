// The few POSIX file operations durable storage is built from (the spool, Maildir delivery):
// complete writes and directory fsyncs, failing with a sentence that names the file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mxkit::core {

// strerror(err) as a std::string.
std::string errno_text(int err);

// write() until everything is written (retrying EINTR); false with errno set otherwise.
bool write_all(int fd, std::string_view data);

// fsync of a directory: its entries (file creations, renames, unlinks) reach stable storage.
Result<void> fsync_dir(int dir_fd, const std::filesystem::path& path);
Result<void> fsync_dir(const std::filesystem::path& path);

}  // namespace mxkit::core
