// The control protocol of a running server (socket-free codec): `mxkit queue` connects to the
// Unix stream socket SPOOL/control.sock and writes one request line; the server answers one
// line and closes.
//   request  = "flush" / "retry" SP queue-id / "delete" SP queue-id, then LF
//   response = ("ok" / "error") [SP text], then LF
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "queue/message.hpp"

namespace mxkit::queue {

inline constexpr std::string_view kControlSocketName = "control.sock";
inline constexpr std::size_t kMaxControlLine = 512;

enum class ControlCommand { Flush, Retry, Delete };

struct ControlRequest {
  ControlCommand command = ControlCommand::Flush;
  QueueId id;  // empty for flush
};

struct ControlResponse {
  bool ok = false;
  std::string text;  // one line: what was done, or why not
};

// Accepts the line with or without its LF (and a CR before it).
core::Result<ControlRequest> parse_control_request(std::string_view line);
std::string format_control_request(const ControlRequest& request);

std::string format_control_response(const ControlResponse& response);
core::Result<ControlResponse> parse_control_response(std::string_view line);

}  // namespace mxkit::queue
