// The steps of `mxkit demo`, each reporting as it goes; a step that fails says why and returns
// false, and the demo stops there (cleaning up).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/demo_internet.hpp"
#include "cli/demo_report.hpp"

namespace mxkit::cli::demo {

struct Context {
  Report& report;
  Internet& net;
  std::filesystem::path scratch;  // captured command output
  std::string shown_mxkit;        // how command lines name the binary ("build/release/mxkit")

  // A command line as shown: the binary as the user would call it.
  std::string shown(std::vector<std::string> argv) const;
};

// DNS (demo_dns_steps.cpp): the zones and their servers, dig +trace from the root, the plan.
bool step_start_dns(Context& ctx);
bool step_trace(Context& ctx);
bool step_route(Context& ctx);

// Mail (demo_mail_steps.cpp): the MTAs, mail1 down, the message and its failover to mail2, the
// Maildir, the equal-preference split, the null-MX bounce.
bool step_start_mtas(Context& ctx);
bool step_mail1_down(Context& ctx);
bool step_send_with_failover(Context& ctx);
bool step_equal_preferences(Context& ctx);
bool step_null_mx(Context& ctx);

// The closing step (demo_check_step.cpp): `mxkit check example.test`, its findings and verdict.
bool step_check(Context& ctx);

// --keep: how to ask the running internet, printed before waiting for Ctrl-C.
void print_keep_help(Context& ctx);

}  // namespace mxkit::cli::demo
