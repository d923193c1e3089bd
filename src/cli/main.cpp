// The mxkit command: one binary, one subcommand per job.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/check_command.hpp"
#include "cli/demo_command.hpp"
#include "cli/dig_command.hpp"
#include "cli/queue_command.hpp"
#include "cli/route_command.hpp"
#include "cli/send_command.hpp"
#include "cli/serve_command.hpp"
#include "cli/zone_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mxkit: authoritative DNS, MX routing, a mail transfer agent and the tools to see why mail goes where it goes"};
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxkit: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
