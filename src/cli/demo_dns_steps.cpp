// The demo's DNS steps: the zones served, the lookup from the root down as `dig +trace` shows
// it, and the MX answer turned into the delivery plan, best preference first.
#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "cli/demo_steps.hpp"

namespace mxkit::cli::demo {

namespace {

std::string path_text(const std::filesystem::path& path, const std::filesystem::path& base) {
  auto relative = path.lexically_relative(base);
  return relative.empty() ? path.string() : relative.string();
}

// The zone's MX lines as written, to show what the servers will answer.
std::vector<std::string> mx_lines(const std::filesystem::path& zone) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : read_file(zone) + "\n") {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line.find(" MX ") != std::string::npos) lines.push_back(line);
    line.clear();
  }
  return lines;
}

}  // namespace

std::string Context::shown(std::vector<std::string> argv) const {
  if (!argv.empty()) argv[0] = shown_mxkit;
  return shell_line(argv);
}

bool step_start_dns(Context& ctx) {
  auto& r = ctx.report;
  r.begin("dns", "A root, the TLD test. and example.test on loopback, each an mxkit serve");
  if (auto written = ctx.net.write_zones(10, 20); !written) {
    r.fail(written.error().message);
    return false;
  }
  r.say("zone files in " + (ctx.net.dir() / "zones").string() + "; example.test.zone ($TTL 3600)");
  r.say("says where mail for example.test goes:");
  for (const auto& line : mx_lines(ctx.net.zone_file("example.test."))) r.say("    " + line);
  auto& details = r.details();
  details["dns_port"] = ctx.net.dns_port();
  details["servers"] = nlohmann::ordered_json::array();
  const std::vector<std::pair<std::string, std::string>> roles = {
      {"root", ". (the root)"},
      {"tld", "test."},
      {"ns", "example.test., sender.test., nullmx.test."}};
  for (const auto& [role, zones] : roles) {
    const auto started = std::chrono::steady_clock::now();
    if (auto up = ctx.net.start(role); !up) {
      r.fail(role + ": " + up.error().message);
      return false;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    const std::string where = ctx.net.address(role) + ":" + std::to_string(ctx.net.dns_port());
    r.say(where + "  " + zones + "  (answering after " + std::to_string(ms.count()) + " ms)");
    r.command(ctx.shown(ctx.net.command(role)));
    details["servers"].push_back({{"role", role},
                                  {"address", where},
                                  {"zones", zones},
                                  {"log", path_text(ctx.net.log(role), ctx.net.dir())}});
  }
  r.end(true);
  return true;
}

bool step_trace(Context& ctx) {
  auto& r = ctx.report;
  r.begin("trace", "The lookup from the root down, as dig +trace shows it");
  std::vector<std::string> argv = {ctx.net.mxkit(), "dig", "+trace", "example.test", "MX"};
  for (const auto& a : ctx.net.resolving()) argv.push_back(a);
  r.command(ctx.shown(argv));
  auto run = run_to_end(argv, ctx.scratch, std::chrono::seconds(20));
  if (!run) {
    r.fail(run.error().message);
    return false;
  }
  r.block(run->out);
  const bool answered = run->out.find("mail1.example.test.") != std::string::npos &&
                        run->out.find("mail2.example.test.") != std::string::npos;
  if (run->status != 0 || !answered) {
    r.fail("mxkit dig +trace exited with " + std::to_string(run->status) +
           (answered ? "" : " without the MX records"));
    return false;
  }
  r.details()["referrals"] = static_cast<int>(std::count(run->out.begin(), run->out.end(), '#'));
  r.end(true);
  return true;
}

bool step_route(Context& ctx) {
  auto& r = ctx.report;
  r.begin("route", "The MX answer sorted by preference: the order a sender tries (RFC 5321 §5.1)");
  std::vector<std::string> argv = {ctx.net.mxkit(), "route", "--json", kRecipient};
  for (const auto& a : ctx.net.resolving()) argv.push_back(a);
  std::vector<std::string> shown_argv = argv;
  shown_argv.erase(shown_argv.begin() + 2);  // shown as text; the demo reads the JSON
  r.command(ctx.shown(shown_argv));
  auto run = run_to_end(argv, ctx.scratch, std::chrono::seconds(20));
  if (!run) {
    r.fail(run.error().message);
    return false;
  }
  nlohmann::ordered_json plan = nlohmann::ordered_json::parse(run->out, nullptr, false);
  if (plan.is_discarded() || !plan.is_object()) {
    r.fail("mxkit route exited with " + std::to_string(run->status) + ": " + run->out);
    return false;
  }
  const std::string outcome = plan.value("outcome", "");
  r.say("outcome: " + outcome + " (" + plan.value("reason", "") + ")");
  nlohmann::ordered_json targets = nlohmann::ordered_json::array();
  int last_preference = -1;
  bool sorted = true;
  int n = 0;
  for (const auto& t : plan.value("targets", nlohmann::ordered_json::array())) {
    const int preference = t.value("preference", -1);
    sorted = sorted && preference >= last_preference;
    last_preference = preference;
    std::string addresses;
    for (const auto& a : t.value("addresses", nlohmann::ordered_json::array()))
      addresses += (addresses.empty() ? "" : ", ") + a.get<std::string>();
    r.say(std::to_string(++n) + ". MX " + std::to_string(preference) + "  " +
          t.value("exchange", "") + "  " + addresses);
    targets.push_back({{"preference", preference},
                       {"exchange", t.value("exchange", "")},
                       {"addresses", t.value("addresses", nlohmann::ordered_json::array())}});
  }
  r.details()["outcome"] = outcome;
  r.details()["targets"] = targets;
  if (outcome != "deliverable" || targets.size() != 2 || !sorted) {
    r.fail("expected a deliverable plan with mail1 then mail2, got " + outcome + " with " +
           std::to_string(targets.size()) + " targets");
    return false;
  }
  r.say("mail1 is tried first; mail2 only when mail1 cannot take the message");
  r.end(true);
  return true;
}

}  // namespace mxkit::cli::demo
