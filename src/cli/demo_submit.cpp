// The demo's submissions, through the same SMTP client the MTA delivers with.
#include "cli/demo_submit.hpp"

#include <ctime>
#include <exception>
#include <random>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "delivery/smtp_connection.hpp"

namespace mxkit::cli::demo {

namespace {

// "250 2.0.0 Ok: queued as 0123ABCD" → "0123ABCD".
std::string queue_id_of(const std::string& reply) {
  const auto at = reply.find("queued as ");
  if (at == std::string::npos) return {};
  auto id = reply.substr(at + 10);
  return id.substr(0, id.find_first_of(" \r\n"));
}

}  // namespace

smtp::Transaction demo_message(const std::string& from, const std::string& to,
                               const std::string& subject, const std::string& body) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  static std::mt19937_64 rng{std::random_device{}()};
  smtp::Transaction t;
  t.sender = from;
  t.recipients = {to};
  t.content = fmt::format(
      "From: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{:016x}@demo.mxkit>\r\n"
      "\r\n{}\r\n",
      from, to, subject, date, rng(), body);
  return t;
}

core::Result<Submission> submit(const std::string& address, std::uint16_t port,
                                const std::string& helo,
                                const std::vector<smtp::Transaction>& messages,
                                std::chrono::milliseconds timeout) {
  asio::io_context io(1);
  delivery::ConnectionOptions options;
  options.client.helo_name = helo;
  options.client.try_starttls = false;  // loopback: nothing to protect, and a shorter dialogue
  options.timeouts.connect = options.timeouts.greeting = options.timeouts.command = timeout;
  options.timeouts.data_init = options.timeouts.data_block = options.timeouts.data_end = timeout;
  options.timeouts.quit = timeout;
  std::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return core::fail(address + ": not an IP address");

  Submission out;
  std::string error;
  auto run = [&]() -> asio::awaitable<void> {
    auto opened =
        co_await delivery::SmtpConnection::open(io.get_executor(), {ip, port}, address, options);
    if (!opened) {
      error = opened.error().message;
      co_return;
    }
    auto& connection = **opened;
    for (const auto& message : messages) {
      auto outcome = co_await connection.deliver(message);
      if (outcome.failure) {
        error = outcome.failure->message;
        break;
      }
      bool taken = !outcome.results.empty();
      for (const auto& r : outcome.results) {
        out.replies.push_back(r.reply.summary());
        if (r.kind != smtp::RecipientResult::Kind::Delivered) {
          taken = false;
          error = r.reply.summary() + " (in reply to " + r.stage + ")";
        }
      }
      if (!taken) break;
      out.queue_ids.push_back(queue_id_of(out.replies.back()));
    }
    co_await connection.quit();
    out.transcript = connection.transcript();
  };
  std::exception_ptr failure;
  asio::co_spawn(io, run(), [&](std::exception_ptr e) { failure = e; });
  io.run_for(timeout * 2);
  if (!io.stopped()) return core::fail("the SMTP session to " + address + " did not end in time");
  if (failure) std::rethrow_exception(failure);
  if (!error.empty()) return core::fail(error);
  return out;
}

}  // namespace mxkit::cli::demo
