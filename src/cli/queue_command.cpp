// `mxkit queue`: lists and shows the spool by reading its files (never writing them, so a
// running server is undisturbed); delete, flush and retry go to the server's control socket
// SPOOL/control.sock (src/queue/control.hpp), and only when no server listens does the
// command change the files itself.
#include "cli/queue_command.hpp"

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/time.h>

#include "queue/control.hpp"
#include "queue/spool.hpp"

namespace mxkit::cli {

namespace {

namespace fs = std::filesystem;
using queue::Clock;

constexpr int kExitNotFound = 1;
constexpr int kExitUsage = 2;

struct QueueArgs {
  std::string spool = "/var/spool/mxkit";
  std::string id;
  bool json = false;
};

std::string iso_time(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool id_usable(const QueueArgs& args) {
  if (args.id.empty())
    std::fprintf(stderr,
                 "mxkit queue: a queue id is needed (16 hex digits; see `mxkit queue list`)\n");
  else if (!queue::valid_queue_id(args.id))
    std::fprintf(stderr, "mxkit queue: '%s' is not a queue id (16 hex digits)\n", args.id.c_str());
  return queue::valid_queue_id(args.id);
}

std::size_t pending_count(const queue::Message& m) {
  std::size_t n = 0;
  for (const auto& r : m.recipients) n += r.state == queue::RecipientState::Pending;
  return n;
}

// The header section of the content: up to the first empty line.
std::string header_section(std::string_view content) {
  auto end = content.find("\r\n\r\n");
  std::size_t cut = end == std::string_view::npos ? content.size() : end + 2;
  if (auto lf = content.find("\n\n"); lf != std::string_view::npos && lf + 1 < cut) cut = lf + 1;
  return std::string(content.substr(0, cut));
}

nlohmann::json message_json(const queue::Message& m) {
  nlohmann::json recipients = nlohmann::json::array();
  for (const auto& r : m.recipients)
    recipients.push_back({{"address", r.address},
                          {"state", queue::recipient_state_name(r.state)},
                          {"attempts", r.attempts},
                          {"last_reply", r.last_reply},
                          {"status", r.status},
                          {"remote_mta", r.remote_mta}});
  return {{"id", m.id},
          {"sender", m.sender},
          {"arrival", iso_time(m.arrival)},
          {"size", m.size},
          {"client_address", m.client_address},
          {"helo", m.helo},
          {"body_8bit", m.body_8bit},
          {"smtputf8", m.smtputf8},
          {"attempts", m.attempts},
          {"next_attempt", iso_time(m.next_attempt)},
          {"last_error", m.last_error},
          {"delay_warning_sent", m.delay_warning_sent},
          {"bounce_sent", m.bounce_sent},
          {"pending", pending_count(m)},
          {"recipients", recipients}};
}

int run_list(const QueueArgs& args) {
  auto messages = queue::list_spool(args.spool);
  if (!messages) {
    std::fprintf(stderr, "mxkit queue: %s\n", messages.error().message.c_str());
    return kExitNotFound;
  }
  if (args.json) {
    nlohmann::json out = {{"spool", args.spool}, {"messages", nlohmann::json::array()}};
    for (const auto& m : *messages) out["messages"].push_back(message_json(m));
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (messages->empty()) {
    std::printf("Mail queue is empty\n");
    return 0;
  }
  // One line per message, in arrival order, as `postqueue -p` gives one entry per message.
  std::printf("%-16s  %-20s  %9s  %-5s  %-20s  %s\n", "QUEUE ID", "ARRIVAL", "SIZE", "RCPT",
              "NEXT ATTEMPT", "SENDER / LAST ERROR");
  std::uint64_t bytes = 0;
  for (const auto& m : *messages) {
    bytes += m.size;
    std::string line =
        fmt::format("{:<16}  {:<20}  {:>9}  {:<5}  {:<20}  <{}>", m.id, iso_time(m.arrival), m.size,
                    fmt::format("{}/{}", pending_count(m), m.recipients.size()),
                    iso_time(m.next_attempt), m.sender);
    if (!m.last_error.empty()) line += " (" + m.last_error + ")";
    std::printf("%s\n", line.c_str());
  }
  std::printf("-- %zu message%s, %llu bytes\n", messages->size(), messages->size() == 1 ? "" : "s",
              static_cast<unsigned long long>(bytes));
  return 0;
}

int run_show(const QueueArgs& args) {
  if (!id_usable(args)) return kExitUsage;
  auto m = queue::read_message(args.spool, args.id);
  auto content = m ? queue::read_message_content(args.spool, args.id) : core::Result<std::string>{};
  if (!m || !content) {
    std::fprintf(stderr, "mxkit queue: %s\n", (!m ? m.error() : content.error()).message.c_str());
    return kExitNotFound;
  }
  std::string headers = header_section(*content);
  if (args.json) {
    auto out = message_json(*m);
    out["headers"] = headers;
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::string flags;
  if (m->body_8bit) flags += ", 8BITMIME";
  if (m->smtputf8) flags += ", SMTPUTF8";
  std::printf("queue id:      %s\n", m->id.c_str());
  std::printf("arrival:       %s\n", iso_time(m->arrival).c_str());
  std::printf("sender:        <%s>\n", m->sender.c_str());
  std::printf("client:        %s (HELO %s)\n", m->client_address.c_str(), m->helo.c_str());
  std::printf("size:          %llu octets%s\n", static_cast<unsigned long long>(m->size),
              flags.c_str());
  std::printf("attempts:      %u\n", m->attempts);
  std::printf("next attempt:  %s\n", iso_time(m->next_attempt).c_str());
  if (!m->last_error.empty()) std::printf("last error:    %s\n", m->last_error.c_str());
  if (m->delay_warning_sent) std::printf("delay warning: sent\n");
  if (m->bounce_sent) std::printf("bounce:        sent\n");
  std::printf("recipients:\n");
  for (const auto& r : m->recipients) {
    std::printf("  <%s> %s, %u attempt%s", r.address.c_str(),
                std::string(queue::recipient_state_name(r.state)).c_str(), r.attempts,
                r.attempts == 1 ? "" : "s");
    if (!r.status.empty()) std::printf(", status %s", r.status.c_str());
    if (!r.remote_mta.empty()) std::printf(", via %s", r.remote_mta.c_str());
    std::printf("\n");
    if (!r.last_reply.empty()) std::printf("      %s\n", r.last_reply.c_str());
  }
  std::printf("headers:\n");
  std::fwrite(headers.data(), 1, headers.size(), stdout);
  return 0;
}

// Asks the server through SPOOL/control.sock. nullopt: nobody listens there (no server).
std::optional<core::Result<queue::ControlResponse>> ask_server(
    const QueueArgs& args, const queue::ControlRequest& request) {
  fs::path path = fs::path(args.spool) / queue::kControlSocketName;
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  asio::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(path.string()), ec);
  if (ec && ec.category() == asio::system_category() &&
      (ec.value() == ENOENT || ec.value() == ECONNREFUSED))
    return std::nullopt;
  if (ec)
    return core::Result<queue::ControlResponse>(
        core::fail(fmt::format("{}: {}", path.string(), ec.message())));
  // A server that takes the connection and never answers must not hang the operator.
  timeval timeout{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  asio::write(socket, asio::buffer(queue::format_control_request(request)), ec);
  std::string line;
  if (!ec) asio::read_until(socket, asio::dynamic_buffer(line, queue::kMaxControlLine), '\n', ec);
  if (ec && line.find('\n') == std::string::npos)
    return core::Result<queue::ControlResponse>(
        core::fail(fmt::format("{}: no answer from the server: {}", path.string(), ec.message())));
  return queue::parse_control_response(line.substr(0, line.find('\n') + 1));
}

int run_control(const QueueArgs& args, queue::ControlCommand command) {
  using queue::ControlCommand;
  if (command != ControlCommand::Flush && !id_usable(args)) return kExitUsage;
  if (!fs::is_directory(fs::path(args.spool) / "queue")) {
    std::fprintf(stderr, "mxkit queue: %s is not a spool (no queue/ directory)\n",
                 args.spool.c_str());
    return kExitNotFound;
  }
  auto answer = ask_server(args, {command, args.id});
  if (answer) {
    if (!*answer) {
      std::fprintf(stderr, "mxkit queue: %s\n", answer->error().message.c_str());
      return kExitNotFound;
    }
    const auto& response = **answer;
    std::fprintf(response.ok ? stdout : stderr, "%s%s\n", response.ok ? "" : "mxkit queue: ",
                 response.text.empty() ? (response.ok ? "ok" : "error") : response.text.c_str());
    return response.ok ? 0 : kExitNotFound;
  }
  // No server: this process is the only one on the spool, so it may change the files.
  if (command == ControlCommand::Delete) {
    if (auto r = queue::remove_offline(args.spool, args.id); !r) {
      std::fprintf(stderr, "mxkit queue: %s\n", r.error().message.c_str());
      return kExitNotFound;
    }
    std::printf("deleted %s (no server running)\n", args.id.c_str());
    return 0;
  }
  auto now = Clock::now();
  std::vector<queue::QueueId> ids;
  if (command == ControlCommand::Retry) {
    ids.push_back(args.id);
  } else {
    auto messages = queue::list_spool(args.spool);
    if (!messages) {
      std::fprintf(stderr, "mxkit queue: %s\n", messages.error().message.c_str());
      return kExitNotFound;
    }
    for (const auto& m : *messages) ids.push_back(m.id);
  }
  for (const auto& id : ids) {
    if (auto r = queue::reschedule_offline(args.spool, id, now); !r) {
      std::fprintf(stderr, "mxkit queue: %s\n", r.error().message.c_str());
      if (command == ControlCommand::Retry) return kExitNotFound;
    }
  }
  std::printf("no server running on %s: %zu message%s set to be tried as soon as it starts\n",
              args.spool.c_str(), ids.size(), ids.size() == 1 ? "" : "s");
  return 0;
}

}  // namespace

void add_queue_command(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("queue", "Show and manage the mail queue (works while the server runs)");
  cmd->require_subcommand(1);
  auto args = std::make_shared<QueueArgs>();
  auto add = [&](const char* name, const char* help, bool takes_id, bool json, auto run) {
    auto* sub = cmd->add_subcommand(name, help);
    sub->add_option("--spool", args->spool, "The spool directory")->capture_default_str();
    // The id is checked by the command, not by CLI11, so a missing one exits 2 like a bad one.
    if (takes_id) sub->add_option("ID", args->id, "Queue id (16 hex digits)");
    if (json) sub->add_flag("--json", args->json, "JSON output (docs/json.md)");
    sub->callback([args, run, &exit_code] { exit_code = run(*args); });
  };
  add("list", "One line per queued message", false, true,
      [](const QueueArgs& a) { return run_list(a); });
  add("show", "A message's envelope, recipients with their states, and its headers", true, true,
      [](const QueueArgs& a) { return run_show(a); });
  add("delete", "Remove a message from the queue", true, false,
      [](const QueueArgs& a) { return run_control(a, queue::ControlCommand::Delete); });
  add("flush", "Try every queued message now", false, false,
      [](const QueueArgs& a) { return run_control(a, queue::ControlCommand::Flush); });
  add("retry", "Try one message now", true, false,
      [](const QueueArgs& a) { return run_control(a, queue::ControlCommand::Retry); });
}

}  // namespace mxkit::cli
