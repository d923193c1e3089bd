// One log line on stderr, as every long-running mxkit command writes them: an ISO 8601 UTC
// timestamp with milliseconds, the program, the text. journald keeps its own time too, but the
// same line must also read well in a file or a terminal (issue 14).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace mxkit::core {

// "2026-12-05T09:16:02.123Z"
std::string iso8601_utc(std::chrono::system_clock::time_point time);

// Writes "TIMESTAMP PROGRAM: TEXT\n" to stderr in one write (lines from threads never mix).
void log_line(std::string_view program, std::string_view text);

}  // namespace mxkit::core
