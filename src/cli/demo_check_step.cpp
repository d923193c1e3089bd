// The demo's closing step: `mxkit check example.test` against the demo's internet, its verdict
// and every error and warning shown with its fix (issue 10's last step, issue 12's report).
#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/demo_process.hpp"
#include "cli/demo_steps.hpp"

namespace mxkit::cli::demo {

bool step_check(Context& ctx) {
  auto& r = ctx.report;
  r.begin("check", "The health report of example.test: MX, name servers, mail servers, SPF/DMARC");
  // No blacklists: the demo's internet has no route to them. The zone file is checked too.
  std::vector<std::string> argv = {
      ctx.net.mxkit(), "check",       "example.test",
      "--json",        "--smtp-port", std::to_string(ctx.net.smtp_port()),
      "--no-dnsbl",    "--zone",      ctx.net.zone_file("example.test.").string()};
  for (const auto& a : ctx.net.resolving()) argv.push_back(a);
  std::vector<std::string> shown_argv = argv;
  shown_argv.erase(shown_argv.begin() + 3);  // shown as text; the demo reads the JSON
  r.command(ctx.shown(shown_argv));
  auto run = run_to_end(argv, ctx.scratch, std::chrono::seconds(30));
  if (!run) {
    r.fail(run.error().message);
    return false;
  }
  auto report = nlohmann::ordered_json::parse(run->out, nullptr, false);
  // Exit 0, 1 or 2 is a verdict (no warning, warnings, errors); 3 means the check did not run.
  if (run->status > 2 || report.is_discarded() || !report.is_object()) {
    r.fail("mxkit check exited with " + std::to_string(run->status) + ": " + run->err);
    return false;
  }
  const auto summary = report.value("summary", nlohmann::ordered_json::object());
  nlohmann::ordered_json shown = nlohmann::ordered_json::array();
  for (const auto& f : report.value("findings", nlohmann::ordered_json::array())) {
    const std::string severity = f.value("severity", "");
    if (severity != "error" && severity != "warning") continue;
    r.say(severity + " [" + f.value("code", "") + "] " + f.value("subject", "") + ": " +
          f.value("message", ""));
    r.say("    fix: " + f.value("fix", "") + " (" + f.value("rfc", "") + ")");
    shown.push_back(f.value("code", ""));
  }
  r.say("verdict: " + std::to_string(summary.value("errors", 0)) + " errors, " +
        std::to_string(summary.value("warnings", 0)) + " warnings, " +
        std::to_string(summary.value("notices", 0)) + " notices in " +
        std::to_string(static_cast<long>(report.value("elapsed_ms", 0.0))) + " ms (exit status " +
        std::to_string(run->status) +
        "; loopback addresses are never "
        "public, and this internet has no reverse zones)");
  if (std::find(shown.begin(), shown.end(), "smtp-open-relay") != shown.end())
    r.say(
        "(the relay test comes from 127.0.0.1, and mxkit serve relays for loopback by default: "
        "--relay-from narrows it)");
  r.details()["status"] = run->status;
  r.details()["summary"] = summary;
  r.details()["codes"] = shown;
  r.end(true);
  return true;
}

}  // namespace mxkit::cli::demo
