// The SMTP probe (see smtp_probe.hpp): smtp::ClientSession drives greeting, EHLO and STARTTLS
// (the courier's own state machine); the RCPT tests after it are plain commands read with the
// same ReplyReader, because the session's transactions always end in DATA and the probe must not.
#include "checks/smtp_probe.hpp"

#include <array>
#include <memory>

#include <asio/connect.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "checks/certificate.hpp"
#include "smtp/client_session.hpp"
#include "smtp/reply.hpp"

namespace mxkit::checks {

using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

class Probe {
 public:
  Probe(asio::any_io_executor executor, SmtpFacts& facts, const SmtpProbeOptions& options)
      : socket_(executor),
        timer_(executor),
        facts_(facts),
        options_(options),
        context_(asio::ssl::context::tls_client),
        session_(smtp::ClientConfig{options.helo_name, true, false}) {
    context_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3);
    context_.set_default_verify_paths();
    // Verify, record the result, and carry on whatever it is: the report shows the fault,
    // the probe still wants to see the rest of the session.
    context_.set_verify_mode(asio::ssl::verify_peer);
    context_.set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
  }

  asio::awaitable<void> run(asio::ip::tcp::endpoint peer) {
    const auto start = std::chrono::steady_clock::now();
    timer_.expires_after(options_.timeout);
    auto connected = co_await (socket_.async_connect(peer, as_tuple_awaitable) ||
                               timer_.async_wait(as_tuple_awaitable));
    if (connected.index() == 1) {
      facts_.error = fmt::format("connect timed out after {} ms", options_.timeout.count());
      co_return;
    }
    if (auto [ec] = std::get<0>(connected); ec) {
      facts_.error = fmt::format("connect: {}", ec.message());
      co_return;
    }
    facts_.connect_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    co_await handshake();
    facts_.transcript = session_.transcript();
    if (!ready_) {
      close();
      co_return;
    }
    // RFC 5321 §4.5.1: postmaster at the domain, from the null sender (as a bounce would come).
    co_await command("MAIL FROM:<>");
    if (auto r = co_await command(fmt::format("RCPT TO:<postmaster@{}>", options_.domain))) {
      facts_.postmaster_reply = r->code;
      facts_.postmaster_text = r->summary();
    }
    co_await command("RSET");
    // Open relay: a foreign sender to a foreign recipient (RFC 2606 names: nobody owns them).
    const bool example_net =
        options_.domain == "example.net" || options_.domain.ends_with(".example.net");
    const std::string foreign = example_net ? "example.org" : "example.net";
    co_await command("MAIL FROM:<mxkit-check@example.com>");
    if (auto r = co_await command(fmt::format("RCPT TO:<relay-test@{}>", foreign))) {
      facts_.relay_reply = r->code;
      facts_.relay_text = r->summary();
    }
    co_await command("RSET");
    co_await command("QUIT");
    close();
  }

 private:
  // Greeting, EHLO, STARTTLS and the second EHLO, by the client session.
  asio::awaitable<void> handshake() {
    for (;;) {
      while (auto a = session_.next_action()) {
        switch (a->kind) {
          case smtp::ClientAction::Kind::Write:
            if (!co_await write(a->bytes)) session_.closed();
            break;
          case smtp::ClientAction::Kind::StartTls: {
            facts_.starttls_offered = true;
            facts_.extensions = session_extensions_before_tls();
            tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, context_);
            // SNI with the MX name, as DANE and MTA-STS senders do (RFC 7672 §8.1).
            std::string sni = facts_.exchange;
            if (!sni.empty() && sni.back() == '.') sni.pop_back();
            SSL_set_tlsext_host_name(tls_->native_handle(), sni.c_str());
            timer_.expires_after(options_.timeout);
            auto r = co_await (
                tls_->async_handshake(asio::ssl::stream_base::client, as_tuple_awaitable) ||
                timer_.async_wait(as_tuple_awaitable));
            bool ok = r.index() == 0 && !std::get<0>(std::get<0>(r));
            if (r.index() == 1) {
              facts_.tls_error = "handshake timed out";
            } else if (!ok) {
              facts_.tls_error = std::get<0>(std::get<0>(r)).message();
            }
            if (ok) {
              facts_.tls = true;
              facts_.tls_version = SSL_get_version(tls_->native_handle());
              facts_.tls_cipher = SSL_get_cipher_name(tls_->native_handle());
              facts_.certificate = certificate_facts(tls_->native_handle(), facts_.exchange);
            } else {
              tls_.reset();
            }
            session_.tls_started(ok);
            break;
          }
          case smtp::ClientAction::Kind::Ready: ready_ = true; break;
          case smtp::ClientAction::Kind::Done: break;
          case smtp::ClientAction::Kind::Close:
            if (a->failure && facts_.error.empty())
              facts_.error = fmt::format("{}: {}", a->failure->stage, a->failure->message);
            closed_ = true;
            break;
        }
      }
      note_greeting();
      if (ready_ || closed_) break;
      auto bytes = co_await read();
      if (!bytes) {
        session_.timed_out();
      } else if (bytes->empty()) {
        session_.closed();
      } else {
        session_.receive(*bytes);
      }
    }
    if (ready_ && !facts_.starttls_offered) facts_.extensions = session_.extensions();
  }

  std::vector<std::string> session_extensions_before_tls() const { return session_.extensions(); }

  void note_greeting() {
    if (facts_.connected) return;
    for (const auto& line : session_.transcript()) {
      if (line.rfind("S: 220", 0) == 0) {
        facts_.connected = true;
        facts_.banner = line.substr(7);
        return;
      }
    }
  }

  // One command and its reply; nullopt when the connection broke or the reply did not come.
  asio::awaitable<std::optional<smtp::Reply>> command(std::string line) {
    if (closed_) co_return std::nullopt;
    facts_.transcript.push_back("C: " + line);
    if (!co_await write(line + "\r\n")) {
      closed_ = true;
      co_return std::nullopt;
    }
    for (;;) {
      if (auto next = reader_.next()) {
        if (!*next) {
          closed_ = true;
          co_return std::nullopt;
        }
        facts_.transcript.push_back("S: " + (*next)->summary());
        co_return std::move(**next);
      }
      auto bytes = co_await read();
      if (!bytes || bytes->empty()) {
        closed_ = true;
        co_return std::nullopt;
      }
      reader_.feed(*bytes);
    }
  }

  asio::awaitable<bool> write(const std::string& bytes) {
    timer_.expires_after(options_.timeout);
    if (tls_) {
      auto r = co_await (asio::async_write(*tls_, asio::buffer(bytes), as_tuple_awaitable) ||
                         timer_.async_wait(as_tuple_awaitable));
      co_return r.index() == 0 && !std::get<0>(std::get<0>(r));
    }
    auto r = co_await (asio::async_write(socket_, asio::buffer(bytes), as_tuple_awaitable) ||
                       timer_.async_wait(as_tuple_awaitable));
    co_return r.index() == 0 && !std::get<0>(std::get<0>(r));
  }

  // What arrived; an empty string at the end of the stream; nullopt on timeout.
  asio::awaitable<std::optional<std::string>> read() {
    timer_.expires_after(options_.timeout);
    std::error_code ec;
    std::size_t n = 0;
    if (tls_) {
      auto r = co_await (tls_->async_read_some(asio::buffer(buffer_), as_tuple_awaitable) ||
                         timer_.async_wait(as_tuple_awaitable));
      if (r.index() == 1) co_return std::nullopt;
      std::tie(ec, n) = std::get<0>(r);
    } else {
      auto r = co_await (socket_.async_read_some(asio::buffer(buffer_), as_tuple_awaitable) ||
                         timer_.async_wait(as_tuple_awaitable));
      if (r.index() == 1) co_return std::nullopt;
      std::tie(ec, n) = std::get<0>(r);
    }
    if (ec) co_return std::string();
    co_return std::string(buffer_.data(), n);
  }

  void close() {
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  SmtpFacts& facts_;
  const SmtpProbeOptions& options_;
  asio::ssl::context context_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  smtp::ClientSession session_;
  smtp::ReplyReader reader_;
  std::array<char, 16384> buffer_{};
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace

asio::awaitable<SmtpFacts> probe_smtp(std::string exchange, std::string address, std::uint16_t port,
                                      SmtpProbeOptions options) {
  SmtpFacts facts;
  facts.exchange = std::move(exchange);
  facts.address = std::move(address);
  facts.port = port;
  std::error_code ec;
  const auto ip = asio::ip::make_address(facts.address, ec);
  if (ec) {
    facts.error = "not an IP address";
    co_return facts;
  }
  Probe probe(co_await asio::this_coro::executor, facts, options);
  co_await probe.run(asio::ip::tcp::endpoint(ip, port));
  co_return facts;
}

}  // namespace mxkit::checks
