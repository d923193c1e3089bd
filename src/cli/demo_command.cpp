// `mxkit demo`: options, the order of the steps, --keep, and the cleanup that runs whatever
// happened (normal end, a failed step, an exception, Ctrl-C).
#include "cli/demo_command.hpp"

#include <cstdio>
#include <memory>

#include <unistd.h>

#include "cli/demo_internet.hpp"
#include "cli/demo_process.hpp"
#include "cli/demo_report.hpp"
#include "cli/demo_steps.hpp"

namespace mxkit::cli {

namespace {

struct DemoOptions {
  bool json = false;
  bool keep = false;
  unsigned step_delay_ms = 0;
};

// The binary as the user would type it: relative to the current directory when below it.
std::string shown_binary(const std::string& self) {
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  if (!ec) {
    const auto relative = std::filesystem::path(self).lexically_relative(cwd);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return self;
}

bool run_steps(demo::Context& ctx) {
  const bool ran = demo::step_start_dns(ctx) && demo::step_trace(ctx) && demo::step_route(ctx) &&
                   demo::step_start_mtas(ctx) && demo::step_mail1_down(ctx) &&
                   demo::step_send_with_failover(ctx) && demo::step_equal_preferences(ctx) &&
                   demo::step_null_mx(ctx) && demo::step_check(ctx);
  return ran;
}

int run_demo(const DemoOptions& o) {
  demo::install_signal_handlers();
  demo::Report report(o.json, std::chrono::milliseconds(o.step_delay_ms));
  auto dir = demo::TempDir::create("mxkit-demo.");
  if (!dir) {
    std::fprintf(stderr, "mxkit demo: %s\n", dir.error().message.c_str());
    return 1;
  }
  const std::string dir_text = dir->path().string();
  bool ok = false;
  bool stopped_by_signal = false;
  std::size_t stopped = 0;
  {
    const std::string self = demo::self_executable();
    demo::Internet net(self, dir->path());
    const auto scratch = dir->path() / "commands";
    std::filesystem::create_directories(scratch);
    demo::Context ctx{report, net, scratch, shown_binary(self)};
    try {
      if (auto ports = net.pick_ports(); !ports) {
        report.begin("dns", "Ports");
        report.fail(ports.error().message);
      } else {
        report.note("mxkit demo: a little internet on loopback in " + dir_text + " (DNS port " +
                    std::to_string(net.dns_port()) + ", SMTP port " +
                    std::to_string(net.smtp_port()) + ")");
        ok = run_steps(ctx);
        if (ok && o.keep) {
          demo::print_keep_help(ctx);
          for (;;) demo::sleep_for(std::chrono::seconds(1));  // until Ctrl-C or SIGTERM
        }
      }
    } catch (const demo::Interrupted&) {
      if (!o.keep) {  // with --keep, Ctrl-C is the expected end
        ok = false;
        stopped_by_signal = true;
        report.fail("interrupted");
      }
    } catch (const std::exception& e) {
      ok = false;
      report.fail(e.what());
    }
    stopped = net.stop_all();
  }
  report.begin("cleanup",
               "Cleaning up: every server stopped by its PID, the temporary directory removed");
  const bool removed = dir->remove();
  report.details()["stopped"] = stopped;
  report.details()["removed"] = dir_text;
  report.say("stopped " + std::to_string(stopped) + " mxkit serve processes; removed " + dir_text);
  if (!removed)
    report.fail("could not remove " + dir_text);
  else
    report.end(true);
  ok = ok && removed;
  if (o.json) {
    const std::string text = report.json_text();
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    report.note(ok ? "\nmxkit demo: done." : "\nmxkit demo: FAILED (see above).");
  }
  std::fflush(stdout);
  if (stopped_by_signal) return 130;  // as a shell reports a command ended by SIGINT
  return ok ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DemoOptions>();
  auto* demo = app.add_subcommand(
      "demo",
      "The whole system on loopback: DNS from the root, an MX lookup, a message failing over from "
      "the primary MX to the backup (no root, no configuration; everything removed at the end)");
  demo->add_flag("--json", o->json,
                 "Print the steps as one JSON document (docs/json.md), nothing else");
  demo->add_flag("--keep", o->keep,
                 "Leave the little internet running and print how to query it, until Ctrl-C");
  demo->add_option("--step-delay", o->step_delay_ms, "Pause before each step, in ms (default 0)")
      ->check(CLI::Range(0u, 60000u));
  demo->callback([o, &exit_code] { exit_code = run_demo(*o); });
}

}  // namespace mxkit::cli
