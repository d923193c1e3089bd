// An outgoing SMTP connection: the ClientSession's actions carried out on a socket, each read,
// write and handshake raced against its RFC 5321 §4.5.3.2 timeout.
#include "delivery/smtp_connection.hpp"

#include <array>

#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace mxkit::delivery {

using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

std::string endpoint_text(const asio::ip::tcp::endpoint& peer) {
  return fmt::format("{}", peer.address().to_string());
}

}  // namespace

struct SmtpConnection::Io {
  explicit Io(asio::any_io_executor executor) : socket(executor), timer(executor) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls;
  std::array<char, 16384> buffer{};
};

std::shared_ptr<asio::ssl::context> make_client_tls_context() {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
  context->set_verify_mode(asio::ssl::verify_none);
  return context;
}

SmtpConnection::SmtpConnection(asio::any_io_executor executor, asio::ip::tcp::endpoint peer,
                               std::string name, const ConnectionOptions& options)
    : io_(std::make_unique<Io>(executor)),
      peer_(std::move(peer)),
      name_(std::move(name)),
      options_(options),
      session_([&] {
        auto config = options.client;
        if (!options.tls) config.try_starttls = false;
        return config;
      }()) {}

SmtpConnection::~SmtpConnection() {
  std::error_code ignored;
  io_->socket.close(ignored);
}

std::string SmtpConnection::relay() const {
  return fmt::format("{}[{}]:{}", name_, endpoint_text(peer_), peer_.port());
}

bool SmtpConnection::usable() const { return ready_ && !closed_; }
bool SmtpConnection::tls_active() const { return session_.tls_active(); }
const std::vector<std::string>& SmtpConnection::transcript() const { return session_.transcript(); }

std::chrono::milliseconds SmtpConnection::reply_timeout() const {
  const auto stage = session_.stage();
  const auto& t = options_.timeouts;
  if (stage == "greeting") return t.greeting;
  if (stage == "DATA") return t.data_init;
  if (stage == "end of data") return t.data_end;
  if (stage == "QUIT") return t.quit;
  return t.command;
}

asio::awaitable<tl::expected<std::unique_ptr<SmtpConnection>, ConnectFailure>> SmtpConnection::open(
    asio::any_io_executor executor, asio::ip::tcp::endpoint peer, std::string name,
    const ConnectionOptions& options) {
  using Result = tl::expected<std::unique_ptr<SmtpConnection>, ConnectFailure>;
  std::unique_ptr<SmtpConnection> c(
      new SmtpConnection(executor, std::move(peer), std::move(name), options));
  auto& io = *c->io_;
  io.timer.expires_after(options.timeouts.connect);
  auto connected = co_await (io.socket.async_connect(c->peer_, as_tuple_awaitable) ||
                             io.timer.async_wait(as_tuple_awaitable));
  if (connected.index() == 1) {
    co_return Result(tl::unexpect,
                     ConnectFailure{ConnectFailure::Kind::Timeout, false,
                                    fmt::format("connect to {}: timed out after {} ms", c->relay(),
                                                options.timeouts.connect.count())});
  }
  if (auto [ec] = std::get<0>(connected); ec) {
    co_return Result(tl::unexpect,
                     ConnectFailure{ConnectFailure::Kind::Refused, false,
                                    fmt::format("connect to {}: {}", c->relay(), ec.message())});
  }
  std::error_code ignored;
  io.socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  co_await c->pump();
  if (c->usable()) co_return Result(std::move(c));
  ConnectFailure failure;
  const auto& f = c->close_failure_;
  if (c->tls_failed_) {
    failure.kind = ConnectFailure::Kind::Tls;
  } else if (f && f->stage == "greeting" && !f->reply) {
    failure.kind = ConnectFailure::Kind::Timeout;  // no greeting in time, or closed at once
  } else {
    failure.kind = ConnectFailure::Kind::Protocol;
  }
  failure.permanent = f && f->kind == smtp::SessionFailure::Kind::Permanent;
  failure.message = fmt::format(
      "host {} {}", c->relay(),
      f ? (f->reply ? "said: " + f->message : f->message) : std::string("closed the connection"));
  co_return Result(tl::unexpect, std::move(failure));
}

asio::awaitable<void> SmtpConnection::pump() {
  auto& io = *io_;
  for (;;) {
    while (auto a = session_.next_action()) {
      switch (a->kind) {
        case smtp::ClientAction::Kind::Write: {
          if (closed_) break;
          // The content goes out as one write; its timeout is the data-block one (§4.5.3.2.5).
          io.timer.expires_after(a->bytes.size() > 1024 ? options_.timeouts.data_block
                                                        : options_.timeouts.command);
          std::error_code ec;
          bool timeout = false;
          if (io.tls) {
            auto r =
                co_await (asio::async_write(*io.tls, asio::buffer(a->bytes), as_tuple_awaitable) ||
                          io.timer.async_wait(as_tuple_awaitable));
            timeout = r.index() == 1;
            if (!timeout) ec = std::get<0>(std::get<0>(r));
          } else {
            auto r = co_await (
                asio::async_write(io.socket, asio::buffer(a->bytes), as_tuple_awaitable) ||
                io.timer.async_wait(as_tuple_awaitable));
            timeout = r.index() == 1;
            if (!timeout) ec = std::get<0>(std::get<0>(r));
          }
          if (timeout) {
            session_.timed_out();
          } else if (ec) {
            session_.closed();
          }
          break;
        }
        case smtp::ClientAction::Kind::StartTls: {
          io.tls =
              std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(io.socket, *options_.tls);
          io.timer.expires_after(options_.timeouts.tls_handshake);
          auto r = co_await (
              io.tls->async_handshake(asio::ssl::stream_base::client, as_tuple_awaitable) ||
              io.timer.async_wait(as_tuple_awaitable));
          const bool ok = r.index() == 0 && !std::get<0>(std::get<0>(r));
          if (!ok) tls_failed_ = true;
          session_.tls_started(ok);
          break;
        }
        case smtp::ClientAction::Kind::Ready: ready_ = true; break;
        case smtp::ClientAction::Kind::Done:
          done_ = TransactionOutcome{std::move(a->results), std::move(a->failure)};
          break;
        case smtp::ClientAction::Kind::Close: {
          closed_ = true;
          ready_ = false;
          close_failure_ = std::move(a->failure);
          std::error_code ignored;
          io.socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
          io.socket.close(ignored);
          break;
        }
      }
    }
    if (ready_ || closed_) co_return;
    io.timer.expires_after(reply_timeout());
    std::error_code ec;
    std::size_t n = 0;
    bool timeout = false;
    if (io.tls) {
      auto r = co_await (io.tls->async_read_some(asio::buffer(io.buffer), as_tuple_awaitable) ||
                         io.timer.async_wait(as_tuple_awaitable));
      timeout = r.index() == 1;
      if (!timeout) std::tie(ec, n) = std::get<0>(r);
    } else {
      auto r = co_await (io.socket.async_read_some(asio::buffer(io.buffer), as_tuple_awaitable) ||
                         io.timer.async_wait(as_tuple_awaitable));
      timeout = r.index() == 1;
      if (!timeout) std::tie(ec, n) = std::get<0>(r);
    }
    if (timeout) {
      session_.timed_out();
    } else if (ec) {
      session_.closed();
    } else {
      session_.receive(std::span<const char>(io.buffer.data(), n));
    }
  }
}

asio::awaitable<TransactionOutcome> SmtpConnection::deliver(smtp::Transaction transaction) {
  const std::size_t n = transaction.recipients.size();
  if (!usable()) {
    TransactionOutcome out;
    smtp::RecipientResult r;
    r.reply = smtp::make_reply(451, "4.4.2", "connection not usable");
    r.stage = "connect";
    r.local = true;
    out.results.assign(n, r);
    co_return out;
  }
  ready_ = false;
  done_.reset();
  ++transactions_;
  session_.send(std::move(transaction));
  co_await pump();
  if (done_) co_return std::move(*done_);
  TransactionOutcome out;  // the session closed without a verdict: defer everyone
  smtp::RecipientResult r;
  r.reply =
      smtp::make_reply(451, "4.4.2", close_failure_ ? close_failure_->message : "lost connection");
  r.stage = close_failure_ ? close_failure_->stage : "connect";
  r.local = true;
  out.results.assign(n, r);
  out.failure = close_failure_;
  co_return out;
}

asio::awaitable<void> SmtpConnection::quit() {
  if (closed_) co_return;
  ready_ = false;
  session_.quit();
  co_await pump();
}

}  // namespace mxkit::delivery
