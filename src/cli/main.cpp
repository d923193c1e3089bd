// The mxkit command: one binary, one subcommand per job.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/check_command.hpp"
#include "cli/demo_command.hpp"
#include "cli/dig_command.hpp"
#include "cli/queue_command.hpp"
#include "cli/route_command.hpp"
#include "cli/send_command.hpp"
#include "cli/serve_command.hpp"
#include "cli/spf_command.hpp"
#include "cli/usage.hpp"
#include "cli/zone_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mxkit: authoritative DNS, MX routing, a mail transfer agent and the tools to see why mail goes where it goes"};
  app.name("mxkit");
  app.require_subcommand(1);
  app.set_version_flag("--version", "mxkit 0.1.0");
  int exit_code = 0;
  mxkit::cli::add_zone_command(app, exit_code);
  mxkit::cli::add_serve_command(app, exit_code);
  mxkit::cli::add_dig_command(app, exit_code);
  mxkit::cli::add_route_command(app, exit_code);
  mxkit::cli::add_send_command(app, exit_code);
  mxkit::cli::add_queue_command(app, exit_code);
  mxkit::cli::add_demo_command(app, exit_code);
  mxkit::cli::add_check_command(app, exit_code);
  mxkit::cli::add_spf_command(app, exit_code);
  // Every subcommand added above (and any added later) gets the same command-line contract:
  // one value per occurrence of a repeatable option, usage errors as one line and a documented
  // exit status (src/cli/usage.hpp).
  mxkit::cli::one_value_per_occurrence(app);
  if (auto unknown = mxkit::cli::unknown_command(app, argc, argv)) {
    std::fprintf(stderr, "%s\n", unknown->c_str());
    return mxkit::cli::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return mxkit::cli::report_parse_error(app, e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxkit: %s\n", e.what());
    return mxkit::cli::kExitUsage;
  }
  return exit_code;
}
