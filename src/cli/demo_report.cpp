// The demo's two faces: lines on a terminal as each step happens, or one JSON document.
#include "cli/demo_report.hpp"

#include <cstdio>

#include <unistd.h>

#include "cli/demo_process.hpp"

namespace mxkit::cli::demo {

Report::Report(bool json, std::chrono::milliseconds step_delay)
    : json_(json), step_delay_(step_delay), colour_(!json && ::isatty(1) == 1) {}

void Report::print(std::string_view text) {
  if (json_) return;
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void Report::begin(std::string name, std::string title) {
  if (open_) end(true);
  if (step_delay_.count() > 0 && !steps_.empty() && !interrupted()) sleep_for(step_delay_);
  nlohmann::ordered_json step = {{"name", std::move(name)},
                                 {"title", title},
                                 {"ok", false},
                                 {"details", nlohmann::ordered_json::object()}};
  step["details"]["lines"] = nlohmann::ordered_json::array();
  steps_.push_back(std::move(step));
  open_ = true;
  const std::string number = std::to_string(steps_.size());
  print(colour_ ? "\n\033[1m" + number + ". " + title + "\033[0m\n"
                : "\n" + number + ". " + title + "\n");
}

void Report::say(std::string_view line) {
  if (open_) steps_.back()["details"]["lines"].push_back(std::string(line));
  print("   " + std::string(line) + "\n");
}

void Report::command(std::string_view line) {
  if (open_) steps_.back()["details"]["lines"].push_back("$ " + std::string(line));
  print(colour_ ? "   \033[2m$ " + std::string(line) + "\033[0m\n"
                : "   $ " + std::string(line) + "\n");
}

void Report::block(std::string_view text, std::string_view indent) {
  // Blank lines around the output only spread it out.
  while (!text.empty() && (text.front() == '\n' || text.back() == '\n')) {
    if (text.front() == '\n')
      text.remove_prefix(1);
    else
      text.remove_suffix(1);
  }
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string line(text.substr(start, nl - start));
    if (open_) steps_.back()["details"]["lines"].push_back(line);
    print("   " + std::string(indent) + line + "\n");
    start = nl + 1;
  }
}

nlohmann::ordered_json& Report::details() {
  if (!open_) begin("unnamed", "(unnamed step)");
  return steps_.back()["details"];
}

void Report::end(bool ok) {
  if (!open_) return;
  steps_.back()["ok"] = ok;
  open_ = false;
}

void Report::fail(std::string_view why) {
  if (!open_) begin("failure", "Failure");
  steps_.back()["details"]["error"] = std::string(why);
  print(colour_ ? "   \033[31mFAILED: " + std::string(why) + "\033[0m\n"
                : "   FAILED: " + std::string(why) + "\n");
  end(false);
}

bool Report::all_ok() const {
  if (steps_.empty()) return false;
  for (const auto& step : steps_)
    if (!step["ok"].get<bool>()) return false;
  return true;
}

std::string Report::json_text() const {
  nlohmann::ordered_json out = document_;
  out["steps"] = steps_;
  out["ok"] = all_ok();
  return out.dump(2) + "\n";
}

void Report::note(std::string_view line) { print(std::string(line) + "\n"); }

}  // namespace mxkit::cli::demo
