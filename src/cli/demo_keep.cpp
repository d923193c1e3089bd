// --keep: the little internet stays up; these are the exact command lines to ask it.
#include "cli/demo_steps.hpp"

namespace mxkit::cli::demo {

void print_keep_help(Context& ctx) {
  auto& r = ctx.report;
  r.begin("keep", "The little internet keeps running until Ctrl-C; ask it yourself");
  const std::string dns_port = std::to_string(ctx.net.dns_port());
  const std::string smtp_port = std::to_string(ctx.net.smtp_port());
  const std::string hints = ctx.net.hints().string();
  const std::string& m = ctx.shown_mxkit;
  r.say("From the root down, as a resolver walks it:");
  r.command(m + " dig +trace example.test MX --root-hints " + hints + " --dns-port " + dns_port);
  r.say(
      "One server directly (mxkit dig or BIND's dig; +norec: an authoritative server does not "
      "recurse):");
  r.command(m + " dig @" + kNsAddress + " -p " + dns_port + " example.test MX");
  r.command("dig @" + std::string(kRootAddress) + " -p " + dns_port + " example.test MX +norec");
  r.command("dig @" + std::string(kNsAddress) + " -p " + dns_port + " example.test MX +norec");
  r.say("The delivery plan a sending MTA follows:");
  r.command(m + " route " + kRecipient + " --root-hints " + hints + " --dns-port " + dns_port);
  r.command(m + " route " + kNullMxRecipient + " --root-hints " + hints + " --dns-port " +
            dns_port);
  r.say("A message through the sending MTA (mx.sender.test on " + std::string(kSenderAddress) +
        "):");
  r.command("swaks --server " + std::string(kSenderAddress) + ":" + smtp_port + " --from " +
            kSender + " --to " + kRecipient);
  r.command("printf 'Subject: hello\\n\\nvia mxkit send\\n' | " + m + " send --server " +
            std::string(kSenderAddress) + ":" + smtp_port + " --from " + kSender + " --to " +
            kRecipient + " -");
  r.say("Straight to an MX, as the sending MTA does:");
  r.command("swaks --server " + std::string(kMail2Address) + ":" + smtp_port + " --from " +
            kSender + " --to " + kRecipient);
  r.say("Where it lands, and what the servers logged:");
  r.command("ls " + ctx.net.maildir("mail1", kRecipient).string() + "/new " +
            ctx.net.maildir("mail2", kRecipient).string() + "/new");
  r.command("tail " + (ctx.net.dir() / "logs").string() + "/*.log");
  r.command(m + " queue list --spool " + (ctx.net.dir() / "sender" / "spool").string());
  r.say("Press Ctrl-C to stop every server and remove " + ctx.net.dir().string() + ".");
  r.end(true);
}

}  // namespace mxkit::cli::demo
