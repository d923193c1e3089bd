// The inbound SMTP server's listeners and connection limit (see server.hpp; the per-connection
// work is connection.cpp).
#include "mta/server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "mta/connection.hpp"
#include "net/listen.hpp"

namespace mxkit::mta {

namespace {

asio::awaitable<void> accept_loop(SmtpServer::Shared& shared, asio::ip::tcp::acceptor& acceptor) {
  asio::steady_timer pause(shared.io);
  for (;;) {
    std::error_code ec;
    asio::ip::tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of file descriptors (EMFILE) and the like: the pending connection stays in the
      // backlog; pause instead of spinning on the same error.
      shared.log(fmt::format("accept: {}; pausing 100 ms", ec.message()));
      pause.expires_after(std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    const bool refuse = shared.connections >= shared.options.max_connections;
    if (!refuse) ++shared.connections;
    auto connection = std::make_shared<Connection>(shared, std::move(socket), refuse);
    asio::co_spawn(shared.io, connection->run(),
                   [connection, &shared, refuse](std::exception_ptr error) {
                     if (!refuse) --shared.connections;
                     if (error) {
                       try {
                         std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                         shared.log(fmt::format("connection ended by an error: {}", e.what()));
                       }
                     }
                   });
  }
}

}  // namespace

SmtpServer::SmtpServer(asio::io_context& io, SmtpServerOptions options, AcceptancePolicy policy,
                       queue::Spool& spool, StoredHandler stored, LogHandler log)
    : shared_(std::make_unique<Shared>(Shared{io,
                                              std::move(options),
                                              std::move(policy),
                                              spool,
                                              std::move(stored),
                                              std::move(log),
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              {},
                                              0})) {}

SmtpServer::~SmtpServer() { stop(); }

void SmtpServer::set_at_once(AtOnceHandler handler) { shared_->at_once = std::move(handler); }

core::Result<void> SmtpServer::start() {
  auto& o = shared_->options;
  if (o.listen.empty()) return core::fail("no SMTP listen address (--smtp-listen ADDRESS:PORT)");
  if (o.tls_cert.empty() != o.tls_key.empty())
    return core::fail("give both --tls-cert and --tls-key, or neither");
  if (!o.tls_cert.empty()) {
    auto context = net::make_server_tls_context(o.tls_cert, o.tls_key);
    if (!context) return tl::unexpected(context.error());
    shared_->tls = std::move(*context);
  }
  if (o.check_sender_domain)
    shared_->senders =
        std::make_unique<SenderDomainChecker>(shared_->io.get_executor(), o.resolver);
  // Each connection holds a descriptor (two while its message is being stored).
  const std::size_t files = net::raise_open_file_limit();
  if (files < o.max_connections + 64)
    shared_->log(fmt::format(
        "warning: the open-file limit is {}, below --max-connections {} plus room for the spool",
        files, o.max_connections));
  for (const auto& endpoint : o.listen) {
    auto acceptor = net::listen_tcp(shared_->io, endpoint);
    if (!acceptor) return tl::unexpected(acceptor.error());
    shared_->acceptors.push_back(std::move(*acceptor));
  }
  for (auto& acceptor : shared_->acceptors)
    asio::co_spawn(shared_->io, accept_loop(*shared_, acceptor), asio::detached);
  return {};
}

void SmtpServer::stop() {
  for (auto& acceptor : shared_->acceptors) {
    std::error_code ignored;
    acceptor.close(ignored);
  }
}

std::size_t SmtpServer::connections() const { return shared_->connections; }

}  // namespace mxkit::mta
