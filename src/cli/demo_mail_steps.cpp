// The demo's mail steps: two receiving MTAs and a sending one, mail1 taken down, a message to
// john.doe@example.test failing over to mail2 (RFC 5321 §5.1), the file in mail2's Maildir,
// then equal preferences splitting 20 messages, and a null MX bouncing at once (RFC 7505).
#include <algorithm>
#include <regex>
#include <utility>

#include "cli/demo_network.hpp"
#include "cli/demo_steps.hpp"
#include "cli/demo_submit.hpp"

namespace mxkit::cli::demo {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kSplitMessages = 20;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(std::move(line));
      line.clear();
    } else if (c != '\r') {
      line += c;
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

// "2026-12-05T10:10:43.458Z mxkit serve: ID: ..." → "10:10:43.458 ID: ...": the time of day is
// enough within the demo's minute.
std::string tidy(const std::string& line) {
  static const std::regex stamped(R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}T([0-9:.]+)Z? mxkit serve: (.*)$)");
  std::smatch m;
  if (std::regex_match(line, m, stamped)) return m[1].str() + " " + m[2].str();
  return line;
}

// The lines of a server's log that contain `needle`.
std::vector<std::string> log_lines(Context& ctx, const std::string& role,
                                   const std::string& needle) {
  std::vector<std::string> out;
  for (auto& line : lines_of(read_file(ctx.net.log(role))))
    if (line.find(needle) != std::string::npos) out.push_back(tidy(line));
  return out;
}

// The messages delivered to a Maildir (its new/ folder), oldest name first.
std::vector<std::filesystem::path> maildir_files(const std::filesystem::path& maildir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(maildir / "new", ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Polls `done` every 20 ms until it holds or `limit` passes (Ctrl-C ends it too).
template <class Predicate>
bool wait_until(Predicate done, milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    sleep_for(milliseconds(20));
  }
}

// "mail1.example.test[127.0.1.1]:2525" in a log line: a relay as the delivery logs name it.
std::string relay_in(const std::string& line, const std::string& address) {
  static const std::regex relay(R"(([A-Za-z0-9.-]+)\[([0-9a-fA-F.:]+)\]:([0-9]+))");
  for (std::sregex_iterator it(line.begin(), line.end(), relay), end; it != end; ++it)
    if ((*it)[2] == address) return it->str();
  return {};
}

std::string relative(Context& ctx, const std::filesystem::path& path) {
  return path.lexically_relative(ctx.net.dir()).string();
}

// The header block of a stored message, folded lines kept with their header.
std::vector<std::string> header_lines(const std::string& message) {
  std::vector<std::string> headers;
  for (auto& line : lines_of(message)) {
    if (line.empty()) break;
    headers.push_back(std::move(line));
  }
  return headers;
}

bool start_roles(Context& ctx, const std::vector<std::string>& roles) {
  auto& r = ctx.report;
  for (const auto& role : roles) {
    if (auto up = ctx.net.start(role); !up) {
      r.fail(role + ": " + up.error().message);
      return false;
    }
    r.say(ctx.net.address(role) + ":" + std::to_string(ctx.net.smtp_port()) + "  " + role);
    r.command(ctx.shown(ctx.net.command(role)));
  }
  return true;
}

}  // namespace

bool step_start_mtas(Context& ctx) {
  auto& r = ctx.report;
  r.begin("mtas",
          "Three MTAs, each an mxkit serve: mail1 and mail2 receive for example.test, "
          "mx.sender.test sends");
  if (!start_roles(ctx, {"mail1", "mail2", "sender"})) return false;
  r.say("the sending MTA resolves from the root above and connects to every MX on port " +
        std::to_string(ctx.net.smtp_port()) + " (--smtp-port)");
  r.details()["smtp_port"] = ctx.net.smtp_port();
  r.end(true);
  return true;
}

bool step_mail1_down(Context& ctx) {
  auto& r = ctx.report;
  r.begin("mail1_down", "mail1 goes down (stopped by its PID)");
  ctx.net.stop("mail1");
  const bool refused = !accepts_connections(kMail1Address, ctx.net.smtp_port());
  const std::string where = std::string(kMail1Address) + ":" + std::to_string(ctx.net.smtp_port());
  r.say(refused ? "connect to " + where + ": Connection refused"
                : where + " still takes connections");
  r.details()["refused"] = refused;
  if (!refused) {
    r.fail("mail1 still listens after it was stopped");
    return false;
  }
  r.end(true);
  return true;
}

bool step_send_with_failover(Context& ctx) {
  auto& r = ctx.report;
  const std::uint16_t port = ctx.net.smtp_port();
  r.begin("send", "A message for " + std::string(kRecipient) + ", submitted to the sending MTA");
  auto message = demo_message(kSender, kRecipient, "Hello from mxkit demo",
                              "This message found its way by MX records.");
  auto sent = submit(kSenderAddress, port, "demo.sender.test", {message}, seconds(10));
  if (!sent) {
    r.fail("submission to " + std::string(kSenderAddress) + ":" + std::to_string(port) + ": " +
           sent.error().message);
    return false;
  }
  for (const auto& line : sent->transcript) r.say(line);
  const std::string id = sent->queue_ids.empty() ? std::string() : sent->queue_ids.front();
  r.details()["queue_id"] = id;
  r.details()["reply"] = sent->replies.empty() ? std::string() : sent->replies.back();
  if (id.empty()) {
    r.fail("the 250 after DATA named no queue id");
    return false;
  }
  r.say("queued as " + id + " on mx.sender.test: the 250 came after the message was on disk");
  r.end(true);

  r.begin("failover", "The sending MTA: mail1 refuses the connection, mail2 takes the message");
  std::string sent_line;
  const bool delivered = wait_until(
      [&] {
        for (const auto& line : log_lines(ctx, "sender", id + ": to=<"))
          // The relay's line, not a local Maildir delivery's.
          if (line.find("status=sent") != std::string::npos &&
              line.find("relay=maildir") == std::string::npos)
            sent_line = line;
        return !sent_line.empty();
      },
      seconds(20));
  for (const auto& line : log_lines(ctx, "sender", id + ":")) r.say(line);
  std::string refused;
  for (const auto& line : log_lines(ctx, "sender", id + ":"))
    if (refused.empty() && line.find("refused") != std::string::npos)
      refused = relay_in(line, kMail1Address);
  const std::string delivered_by = relay_in(sent_line, kMail2Address);
  ctx.report.document()["failover"] = {{"refused", refused}, {"delivered_by", delivered_by}};
  r.details()["refused"] = refused;
  r.details()["delivered_by"] = delivered_by;
  if (!delivered || refused.empty() || delivered_by.empty()) {
    r.fail(!delivered ? "no delivery to a relay logged for " + id + " in 20 s"
                      : "the log does not show mail1 refusing and mail2 taking " + id);
    return false;
  }
  r.end(true);

  r.begin("maildir", "The message in mail2's Maildir, with its Received: headers");
  const auto box = ctx.net.maildir("mail2", kRecipient);
  std::vector<std::filesystem::path> files;
  wait_until([&] { return !(files = maildir_files(box)).empty(); }, seconds(10));
  if (files.empty()) {
    r.fail("nothing in " + (box / "new").string());
    return false;
  }
  // mail2's side: the message received, then written to the Maildir (the file exists, so the
  // delivery line is on its way to the log).
  const std::string to = "to=<" + std::string(kRecipient) + ">";
  wait_until([&] { return !log_lines(ctx, "mail2", "relay=maildir").empty(); }, seconds(5));
  r.say("mail2's log:");
  for (const auto& line : log_lines(ctx, "mail2", to)) r.say(line);
  const std::string path = relative(ctx, files.front());
  r.say("the file:");
  r.say(path);
  const auto headers = header_lines(read_file(files.front()));
  bool in_received = false;
  int received = 0;
  for (const auto& h : headers) {
    const bool continuation = !h.empty() && (h[0] == ' ' || h[0] == '\t');
    if (!continuation)
      in_received = h.rfind("Received:", 0) == 0 || h.rfind("Return-Path:", 0) == 0;
    if (!continuation && h.rfind("Received:", 0) == 0) ++received;
    if (in_received || h.rfind("Subject:", 0) == 0) r.say("    " + h);
  }
  ctx.report.document()["delivered_to"] = path;
  r.details()["file"] = path;
  r.details()["received_headers"] = received;
  if (received < 2) {
    r.fail("expected a Received: header from each MTA on the way, found " +
           std::to_string(received));
    return false;
  }
  r.end(true);
  return true;
}

bool step_equal_preferences(Context& ctx) {
  auto& r = ctx.report;
  r.begin("equal_preference", "mail1 back up, both MX at preference 10: " +
                                  std::to_string(kSplitMessages) + " messages split between them");
  if (auto written = ctx.net.write_zones(10, 10); !written) {
    r.fail(written.error().message);
    return false;
  }
  r.say("example.test.zone now says  @ MX 10 mail1  and  @ MX 10 mail2;  SIGHUP reloads it:");
  if (auto reloaded = ctx.net.reload("ns"); !reloaded) {
    r.fail(reloaded.error().message);
    return false;
  }
  const std::vector<std::string> dig = {ctx.net.mxkit(),
                                        "dig",
                                        "@" + std::string(kNsAddress),
                                        "-p",
                                        std::to_string(ctx.net.dns_port()),
                                        "example.test",
                                        "MX",
                                        "+short"};
  std::string answer;
  const bool reloaded = wait_until(
      [&] {
        auto run = run_to_end(dig, ctx.scratch, seconds(5));
        answer = run ? run->out : std::string();
        return answer.find("10 mail2.example.test.") != std::string::npos;
      },
      seconds(10));
  r.command(ctx.shown(dig));
  r.block(answer);
  if (!reloaded) {
    r.fail("the name server still gives the old MX set after SIGHUP");
    return false;
  }
  r.say(
      "the sending MTA cached the old set for its TTL (3600 s); it restarts on its spool to ask "
      "again");
  if (!start_roles(ctx, {"mail1", "sender"})) return false;
  const auto box1 = ctx.net.maildir("mail1", kRecipient);
  const auto box2 = ctx.net.maildir("mail2", kRecipient);
  const std::size_t before1 = maildir_files(box1).size();
  const std::size_t before2 = maildir_files(box2).size();
  std::vector<smtp::Transaction> messages;
  for (std::size_t i = 1; i <= kSplitMessages; ++i)
    messages.push_back(demo_message(kSender, kRecipient,
                                    "Equal preferences, message " + std::to_string(i),
                                    "Either exchanger may take this one."));
  auto sent =
      submit(kSenderAddress, ctx.net.smtp_port(), "demo.sender.test", messages, seconds(20));
  if (!sent) {
    r.fail("submission: " + sent.error().message);
    return false;
  }
  r.say(std::to_string(sent->queue_ids.size()) +
        " messages queued on mx.sender.test in one session");
  std::size_t n1 = 0;
  std::size_t n2 = 0;
  wait_until(
      [&] {
        n1 = maildir_files(box1).size() - before1;
        n2 = maildir_files(box2).size() - before2;
        return n1 + n2 >= kSplitMessages;
      },
      seconds(30));
  r.say("mail1.example.test took " + std::to_string(n1) + ", mail2.example.test took " +
        std::to_string(n2));
  ctx.report.document()["split"] = {{"mail1", n1}, {"mail2", n2}};
  r.details()["mail1"] = n1;
  r.details()["mail2"] = n2;
  if (n1 + n2 != kSplitMessages || n1 == 0 || n2 == 0) {
    r.fail("expected " + std::to_string(kSplitMessages) + " messages shared by both exchangers");
    return false;
  }
  r.say("RFC 5321 §5.1: equal preferences are tried in random order, spreading the load");
  r.end(true);
  return true;
}

bool step_null_mx(Context& ctx) {
  auto& r = ctx.report;
  r.begin("null_mx",
          "nullmx.test publishes a null MX (MX 0 .): the message bounces at once (RFC 7505)");
  auto message = demo_message(kSender, kNullMxRecipient, "To a domain that takes no mail",
                              "This one cannot be delivered.");
  auto sent =
      submit(kSenderAddress, ctx.net.smtp_port(), "demo.sender.test", {message}, seconds(10));
  std::string status;
  if (!sent) {
    // A server may refuse the recipient at RCPT already (RFC 7505 §4.1: 556 5.1.10).
    r.say("refused at submission: " + sent.error().message);
    if (sent.error().message.find("5.1.10") != std::string::npos) status = "5.1.10";
  } else {
    const std::string id = sent->queue_ids.front();
    r.say("queued as " + id + "; the sending MTA's log:");
    const auto box = ctx.net.maildir("sender", kSender);
    std::vector<std::filesystem::path> files;
    wait_until([&] { return !(files = maildir_files(box)).empty(); }, seconds(15));
    std::string dsn_id;
    for (const auto& line : log_lines(ctx, "sender", id + ":")) {
      r.say(line);
      const auto at = line.find("non-delivery notification: ");
      if (at != std::string::npos) dsn_id = line.substr(at + 27);
    }
    // The DSN is a message of its own, from <> to the sender, delivered to its Maildir here.
    if (!dsn_id.empty())
      for (const auto& line : log_lines(ctx, "sender", dsn_id + ":")) r.say(line);
    if (files.empty()) {
      r.fail("no delivery status notification in " + (box / "new").string());
      return false;
    }
    const std::string dsn = read_file(files.front());
    r.say("the DSN in the sender's Maildir, " + relative(ctx, files.front()) + ":");
    static const std::regex status_line(R"(^Status:\s*([245]\.[0-9]{1,3}\.[0-9]{1,3}))",
                                        std::regex::icase);
    bool from_shown = false;
    bool subject_shown = false;
    for (const auto& line : lines_of(dsn)) {
      // The DSN's own From: and Subject:, not those of the returned message's headers.
      if (line.rfind("From:", 0) == 0 && std::exchange(from_shown, true)) continue;
      if (line.rfind("Subject:", 0) == 0 && std::exchange(subject_shown, true)) continue;
      const bool shown = line.rfind("Subject:", 0) == 0 || line.rfind("From:", 0) == 0 ||
                         line.rfind("Action:", 0) == 0 || line.rfind("Status:", 0) == 0 ||
                         line.rfind("Final-Recipient:", 0) == 0 ||
                         line.rfind("Diagnostic-Code:", 0) == 0 ||
                         line.rfind("Content-Type: multipart/report", 0) == 0;
      if (shown) r.say("    " + line);
      std::smatch m;
      if (status.empty() && std::regex_search(line, m, status_line)) status = m[1];
    }
    r.details()["dsn"] = relative(ctx, files.front());
  }
  ctx.report.document()["bounce_status"] = status;
  r.details()["status"] = status;
  if (status != "5.1.10") {
    r.fail("expected status 5.1.10, got \"" + status + "\"");
    return false;
  }
  r.end(true);
  return true;
}

}  // namespace mxkit::cli::demo
