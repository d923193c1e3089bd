#include "queue/control.hpp"

#include <fmt/format.h>

#include "queue/spool.hpp"

namespace mxkit::queue {

namespace {

std::string_view strip_eol(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

core::Result<ControlRequest> parse_control_request(std::string_view line) {
  if (line.size() > kMaxControlLine) return core::fail("control request: line too long");
  line = strip_eol(line);
  if (line.find_first_of("\r\n") != std::string_view::npos)
    return core::fail("control request: more than one line");
  auto space = line.find(' ');
  std::string_view verb = line.substr(0, space);
  std::string_view arg =
      space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  ControlRequest request;
  if (verb == "flush") {
    if (space != std::string_view::npos)
      return core::fail("control request: flush takes no argument");
    request.command = ControlCommand::Flush;
    return request;
  }
  if (verb == "retry") {
    request.command = ControlCommand::Retry;
  } else if (verb == "delete") {
    request.command = ControlCommand::Delete;
  } else {
    return core::fail(
        fmt::format("control request: unknown command '{}'", std::string(verb.substr(0, 32))));
  }
  if (!valid_queue_id(arg))
    return core::fail(fmt::format("control request: {} needs a queue id (16 hex digits)", verb));
  request.id = std::string(arg);
  return request;
}

std::string format_control_request(const ControlRequest& request) {
  switch (request.command) {
    case ControlCommand::Flush: return "flush\n";
    case ControlCommand::Retry: return fmt::format("retry {}\n", request.id);
    case ControlCommand::Delete: return fmt::format("delete {}\n", request.id);
  }
  return "flush\n";
}

std::string format_control_response(const ControlResponse& response) {
  std::string text;
  // One line whatever the text holds: line breaks become spaces, and the length is bounded.
  for (char c : response.text.substr(0, kMaxControlLine - 8))
    text.push_back(c == '\r' || c == '\n' ? ' ' : c);
  std::string out = response.ok ? "ok" : "error";
  if (!text.empty()) out += " " + text;
  out += "\n";
  return out;
}

core::Result<ControlResponse> parse_control_response(std::string_view line) {
  if (line.size() > kMaxControlLine) return core::fail("control response: line too long");
  line = strip_eol(line);
  ControlResponse response;
  std::string_view rest;
  if (line.starts_with("ok")) {
    response.ok = true;
    rest = line.substr(2);
  } else if (line.starts_with("error")) {
    rest = line.substr(5);
  } else {
    return core::fail("control response: neither 'ok' nor 'error'");
  }
  if (!rest.empty() && rest.front() != ' ')
    return core::fail("control response: neither 'ok' nor 'error'");
  if (!rest.empty()) rest.remove_prefix(1);
  response.text = std::string(rest);
  return response;
}

}  // namespace mxkit::queue
