// What `mxkit demo` shows: each step as it happens on a terminal, or, with --json, one JSON
// document at the end (docs/json.md) and nothing else on stdout.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxkit::cli::demo {

class Report {
 public:
  Report(bool json, std::chrono::milliseconds step_delay);

  bool json() const { return json_; }
  // Starts a step (closing the previous one as ok when still open): a heading on a terminal,
  // after --step-delay so a presenter can talk over each step.
  void begin(std::string name, std::string title);
  // A line of the current step: printed at once (indented), and kept in details.lines.
  void say(std::string_view line);
  // A command line as the user could type it, "$ mxkit dig ...".
  void command(std::string_view line);
  // Output of a command or a file, every line indented under the step.
  void block(std::string_view text, std::string_view indent = "    ");
  nlohmann::ordered_json& details();  // the current step's details (an object)
  void end(bool ok);                  // closes the current step
  void fail(std::string_view why);    // closes the current step as failed, saying why
  // Top-level fields: failover, delivered_to, split, bounce_status.
  nlohmann::ordered_json& document() { return document_; }
  bool all_ok() const;
  // The JSON document (--json), with "ok" over every step.
  std::string json_text() const;
  // A line on a terminal outside any step (the closing words), nothing in JSON mode.
  void note(std::string_view line);

 private:
  void print(std::string_view text);

  bool json_;
  std::chrono::milliseconds step_delay_;
  bool open_ = false;
  bool colour_ = false;
  nlohmann::ordered_json steps_ = nlohmann::ordered_json::array();
  nlohmann::ordered_json document_ = nlohmann::ordered_json::object();
};

}  // namespace mxkit::cli::demo
