// `mxkit send`: submits one message over SMTP with the delivery side's client (ClientSession on
// an SmtpConnection), adding the Date and Message-ID headers a submission should carry.
#include "cli/send_command.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "delivery/next_hop.hpp"
#include "delivery/smtp_connection.hpp"
#include "smtp/address.hpp"

namespace mxkit::cli {

namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitTemporary = 75;  // sysexits.h EX_TEMPFAIL

struct SendArgs {
  std::string server = "127.0.0.1:25";
  std::string from;
  std::vector<std::string> to;
  std::string file = "-";
  std::string helo;
  double timeout_s = 60;
};

// The message with CRLF line ends (a file usually has LF).
std::string to_crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// RFC 5322 §3.6: Date and Message-ID belong in every message; a submission server may add
// them (RFC 6409 §8.2, §8.3), and we add them here when the message has none.
std::string complete_headers(std::string message, const std::string& host) {
  auto end = message.find("\r\n\r\n");
  const std::string_view headers = end == std::string::npos
                                       ? std::string_view(message)
                                       : std::string_view(message).substr(0, end + 2);
  auto has = [&](std::string_view name) {
    for (std::size_t pos = 0; pos < headers.size();) {
      const auto eol = headers.find("\r\n", pos);
      const auto line = headers.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
      if (line.size() > name.size() && line[name.size()] == ':') {
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
          same = std::tolower(static_cast<unsigned char>(line[i])) ==
                 std::tolower(static_cast<unsigned char>(name[i]));
        if (same) return true;
      }
      if (eol == std::string_view::npos) break;
      pos = eol + 2;
    }
    return false;
  };
  std::string added;
  if (!has("date")) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S %z", &tm);
    added += fmt::format("Date: {}\r\n", buffer);
  }
  if (!has("message-id")) {
    std::random_device rd;
    const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
    added += fmt::format("Message-ID: <{:x}.{:08x}{:08x}@{}>\r\n", stamp, rd(), rd(), host);
  }
  if (end == std::string::npos && !message.empty() && message.find("\r\n") == std::string::npos)
    message += "\r\n";
  return added + message;
}

std::string local_host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == 0) return "localhost";
  return buffer;
}

// "250 2.0.0 Ok: queued as 0123ABCD" → "0123ABCD" (Postfix's and our wording).
std::string queue_id_of(const std::string& reply) {
  const auto at = reply.find("queued as ");
  if (at == std::string::npos) return {};
  auto id = reply.substr(at + 10);
  const auto end = id.find_first_of(" \r\n");
  return end == std::string::npos ? id : id.substr(0, end);
}

int run_send(const SendArgs& args) {
  auto relay = delivery::parse_relay(args.server, 25);
  if (!relay) {
    std::fprintf(stderr, "mxkit send: --server %s\n", relay.error().message.c_str());
    return kExitUsage;
  }
  if (!args.from.empty()) {
    if (auto m = smtp::parse_mailbox(args.from); !m) {
      std::fprintf(stderr, "mxkit send: --from \"%s\": %s\n", args.from.c_str(),
                   m.error().message.c_str());
      return kExitUsage;
    }
  }
  for (const auto& to : args.to) {
    if (auto m = smtp::parse_mailbox(to); !m) {
      std::fprintf(stderr, "mxkit send: --to \"%s\": %s\n", to.c_str(), m.error().message.c_str());
      return kExitUsage;
    }
  }
  std::string text;
  if (args.file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(args.file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "mxkit send: %s: cannot open\n", args.file.c_str());
      return kExitUsage;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string host = local_host_name();
  smtp::Transaction transaction;
  transaction.sender = args.from;
  transaction.recipients = args.to;
  transaction.content = complete_headers(to_crlf(text), host);
  for (const unsigned char c : transaction.content)
    if (c >= 0x80) transaction.body_8bit = true;
  for (const auto& a : args.to)
    for (const unsigned char c : a)
      if (c >= 0x80) transaction.smtputf8 = true;
  for (const unsigned char c : args.from)
    if (c >= 0x80) transaction.smtputf8 = true;

  asio::io_context io(1);
  delivery::ConnectionOptions options;
  options.client.helo_name = args.helo.empty() ? host : args.helo;
  options.tls = delivery::make_client_tls_context();
  const auto limit = std::chrono::milliseconds(static_cast<long>(args.timeout_s * 1000));
  options.timeouts.connect = options.timeouts.greeting = options.timeouts.command = limit;
  options.timeouts.data_init = options.timeouts.data_block = options.timeouts.data_end = limit;

  std::error_code ec;
  asio::ip::tcp::resolver names(io);
  auto endpoints = names.resolve(relay->host, std::to_string(relay->port), ec);
  if (ec || endpoints.empty()) {
    std::fprintf(stderr, "mxkit send: %s: %s\n", relay->host.c_str(),
                 ec ? ec.message().c_str() : "no address");
    return kExitTemporary;
  }
  int status = kExitTemporary;
  auto run = [&]() -> asio::awaitable<void> {
    std::string last_error;
    for (const auto& entry : endpoints) {
      auto opened = co_await delivery::SmtpConnection::open(io.get_executor(), entry.endpoint(),
                                                            relay->host, options);
      if (!opened && opened.error().kind == delivery::ConnectFailure::Kind::Tls) {
        auto plain = options;
        plain.client.try_starttls = false;
        opened = co_await delivery::SmtpConnection::open(io.get_executor(), entry.endpoint(),
                                                         relay->host, plain);
      }
      if (!opened) {
        last_error = opened.error().message;
        status = opened.error().permanent ? kExitRefused : kExitTemporary;
        continue;
      }
      auto outcome = co_await (*opened)->deliver(transaction);
      co_await (*opened)->quit();
      bool refused = false, deferred = false;
      std::string id;
      for (std::size_t i = 0; i < outcome.results.size(); ++i) {
        const auto& r = outcome.results[i];
        if (r.kind == smtp::RecipientResult::Kind::Delivered) {
          if (id.empty()) id = queue_id_of(r.reply.summary());
          continue;
        }
        (r.kind == smtp::RecipientResult::Kind::Permanent ? refused : deferred) = true;
        std::fprintf(stderr, "mxkit send: <%s>: %s (in reply to %s)\n", args.to[i].c_str(),
                     r.reply.summary().c_str(), r.stage.c_str());
      }
      if (!refused && !deferred) {
        std::printf("%s\n",
                    id.empty() ? outcome.results.front().reply.summary().c_str() : id.c_str());
      }
      status = refused ? kExitRefused : deferred ? kExitTemporary : 0;
      co_return;
    }
    std::fprintf(stderr, "mxkit send: %s\n", last_error.c_str());
  };
  std::exception_ptr failure;
  asio::co_spawn(io, run(), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return status;
}

}  // namespace

void add_send_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SendArgs>();
  auto* send = app.add_subcommand("send", "Submit a message over SMTP");
  send->footer(
      "Reads the message (RFC 5322 headers, a blank line, the body) from FILE or stdin, adds\n"
      "Date and Message-ID when missing, and submits it in one SMTP transaction (STARTTLS when\n"
      "offered). Prints the queue id from the server's 250 reply.\n\n"
      "Exit status: 0 sent; 1 refused (the reply is printed); 75 temporary failure (EX_TEMPFAIL);\n"
      "2 a bad option.");
  send->add_option("--server", args->server, "Where to submit (default 127.0.0.1:25)")
      ->type_name("HOST:PORT");
  send->add_option("--from", args->from, "The envelope sender (\"\" for the null sender <>)")
      ->required()
      ->type_name("ADDR");
  send->add_option("--to", args->to, "An envelope recipient (repeatable)")
      ->required()
      ->type_name("ADDR");
  send->add_option("--helo", args->helo, "The name for EHLO (default: this host's name)")
      ->type_name("NAME");
  send->add_option("--timeout", args->timeout_s, "Seconds to wait for each step (default 60)")
      ->type_name("S");
  send->add_option("file", args->file, "The message (default: stdin)")->type_name("FILE|-");
  send->callback([args, &exit_code] { exit_code = run_send(*args); });
}

}  // namespace mxkit::cli
