// The command-line contract every subcommand shares: a usage error is one line on stderr that
// names the command and the problem, and exits with the documented status (2, or the status a
// subcommand registers: 1 for dig, as dig does); --help of a subcommand prints that
// subcommand's help; a repeatable option takes one value per occurrence.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace mxkit::cli {

inline constexpr int kExitUsage = 2;

// The status `command` exits with on a usage error (default kExitUsage).
void set_usage_exit_code(const CLI::App& command, int code);
int usage_exit_code(const CLI::App& command);

// Every option of `app` and of its subcommands, at any depth, that can repeat takes exactly one
// value each time it is given, so `--self X DOMAIN` leaves DOMAIN to the positionals. Call
// after all subcommands are added.
void one_value_per_occurrence(CLI::App& app);

// The error for a first word that names no subcommand ("mxkit foo", "mxkit zone foo"): it names
// the word and lists the subcommands. nullopt when the words name known commands (or ask for
// --help/--version first).
std::optional<std::string> unknown_command(const CLI::App& app, int argc, const char* const* argv);

// Prints what a parse error means (help, the version, or a one-line usage error) and returns
// the exit status.
int report_parse_error(const CLI::App& app, const CLI::ParseError& error);

}  // namespace mxkit::cli
