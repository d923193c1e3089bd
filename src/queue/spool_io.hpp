// File operations of the spool (internal to src/queue): whole-file reads, complete writes,
// fsyncs and the append of a state record, each failing with a sentence naming the file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/file_io.hpp"
#include "core/result.hpp"
#include "queue/message.hpp"
#include "queue/spool_file.hpp"

namespace mxkit::queue::spool_io {

std::filesystem::path queue_dir(const std::filesystem::path& spool);
std::filesystem::path message_path(const std::filesystem::path& spool, const QueueId& id);

struct ReadError {
  bool missing = false;  // ENOENT: the file is gone (delivered meanwhile)
  std::string message;
};
tl::expected<std::string, ReadError> read_file(const std::filesystem::path& path);

// Complete writes, errno text and directory fsyncs are core's (core/file_io.hpp).
using core::errno_text;
using core::fsync_dir;
using core::write_all;

// Appends `record` to the file and fdatasyncs it; on a failure the file is cut back to its
// old length so a later append is not hidden behind a half-written record.
core::Result<void> append_record(const std::filesystem::path& path, std::string_view record);

// Reads and decodes one message file (not found, incomplete and damaged are errors).
core::Result<spool_file::Decoded> load(const std::filesystem::path& spool, const QueueId& id,
                                       std::string* bytes = nullptr);

}  // namespace mxkit::queue::spool_io
