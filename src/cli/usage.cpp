// The shared command-line contract (see usage.hpp).
#include "cli/usage.hpp"

#include <cstdio>
#include <map>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mxkit::cli {

namespace {

// By the command's path ("mxkit dig"): a name outlives any particular App object.
std::map<std::string, int>& usage_codes() {
  static std::map<std::string, int> codes;
  return codes;
}

// "mxkit zone check": the command as a user types it.
std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* up = command.get_parent(); up; up = up->get_parent())
    path = up->get_name() + " " + path;
  return path;
}

std::vector<std::string> subcommand_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* sub : command.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

// The command that was being read when parsing stopped: the deepest subcommand selected.
const CLI::App& deepest_selected(const CLI::App& app) {
  const CLI::App* at = &app;
  for (auto selected = at->get_subcommands(); !selected.empty(); selected = at->get_subcommands())
    at = selected.front();
  return *at;
}

std::string one_line(std::string text) {
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at))
    text.replace(at, 1, "; ");
  while (!text.empty() && (text.back() == ' ' || text.back() == ';')) text.pop_back();
  return text;
}

}  // namespace

void set_usage_exit_code(const CLI::App& command, int code) {
  usage_codes()[command_path(command)] = code;
}

int usage_exit_code(const CLI::App& command) {
  for (const CLI::App* at = &command; at; at = at->get_parent())
    if (auto found = usage_codes().find(command_path(*at)); found != usage_codes().end())
      return found->second;
  return kExitUsage;
}

void one_value_per_occurrence(CLI::App& app) {
  // CLI11 lets a vector option gather every following word that is not an option; without extra
  // arguments it takes its type's size (one value) per occurrence instead.
  for (CLI::Option* option : app.get_options())
    if (option->nonpositional() && option->get_items_expected_max() > 1)
      option->allow_extra_args(false);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    one_value_per_occurrence(*sub);
}

std::optional<std::string> unknown_command(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* at = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--help" || word == "-h" || word == "--help-all" || word == "--version")
      return std::nullopt;
    // The top level has flags only; below it an option may take a value, so the check stops at
    // the first option and CLI11 reads the rest.
    if (word.starts_with('-')) {
      if (at == &app) continue;
      return std::nullopt;
    }
    const auto names = subcommand_names(*at);
    if (names.empty()) return std::nullopt;  // a word for the command itself
    const CLI::App* sub = nullptr;
    for (const CLI::App* candidate : at->get_subcommands([](const CLI::App*) { return true; }))
      if (candidate->check_name(std::string(word))) sub = candidate;
    if (!sub)
      return fmt::format("{}: unknown command \"{}\"; the commands are: {} (see {} --help)",
                         command_path(*at), word, fmt::join(names, ", "), command_path(*at));
    at = sub;
  }
  return std::nullopt;
}

int report_parse_error(const CLI::App& app, const CLI::ParseError& error) {
  const std::string name = error.get_name();
  if (name == "CallForVersion") {
    std::fprintf(stdout, "%s\n", error.what());
    return 0;
  }
  if (name == "RuntimeError") return error.get_exit_code();  // a command's own status
  if (error.get_exit_code() == 0) return app.exit(error);    // --help: the selected command's
  const CLI::App& command = deepest_selected(app);
  const std::string path = command_path(command);
  std::string message = one_line(error.what());
  // CLI11 checks what is required before what is left over; an unknown option is the better
  // thing to name ("mxkit route --bogus" is about --bogus, not the missing address).
  std::vector<std::string> unknown;
  for (const auto& word : command.remaining())
    if (word.starts_with('-')) unknown.push_back(word);
  if (name == "RequiredError" && !unknown.empty())
    message = fmt::format("The following argument{} not expected: {}",
                          unknown.size() == 1 ? " was" : "s were", fmt::join(unknown, " "));
  else if (name == "RequiredError" && command.get_require_subcommand_min() > 0 &&
           command.get_subcommands().empty())
    message = fmt::format("give a command: {}", fmt::join(subcommand_names(command), ", "));
  std::fprintf(stderr, "%s: %s (see %s --help)\n", path.c_str(), message.c_str(), path.c_str());
  return usage_exit_code(command);
}

}  // namespace mxkit::cli
