// The control socket server (see control_server.hpp).
#include "delivery/control_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <sys/stat.h>

#include "queue/control.hpp"

namespace mxkit::delivery {

using asio::local::stream_protocol;

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path socket_path,
                             QueueRunner& runner, std::function<void(const std::string&)> log)
    : io_(io),
      path_(std::move(socket_path)),
      runner_(runner),
      log_(std::move(log)),
      acceptor_(io) {}

ControlServer::~ControlServer() { stop(); }

core::Result<void> ControlServer::start() {
  std::error_code ec;
  if (std::filesystem::exists(path_, ec)) {
    stream_protocol::socket probe(io_);
    probe.connect(stream_protocol::endpoint(path_.string()), ec);
    if (!ec)
      return core::fail(fmt::format("{}: another server is running on this spool", path_.string()));
    std::filesystem::remove(path_, ec);  // left by a server that is gone
  }
  const mode_t old_mask = ::umask(0077);
  acceptor_.open(stream_protocol(), ec);
  if (!ec) acceptor_.bind(stream_protocol::endpoint(path_.string()), ec);
  ::umask(old_mask);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) return core::fail(fmt::format("cannot listen on {}: {}", path_.string(), ec.message()));
  asio::co_spawn(io_, accept_loop(), asio::detached);
  return {};
}

void ControlServer::stop() {
  if (!acceptor_.is_open()) return;
  std::error_code ec;
  acceptor_.close(ec);
  std::filesystem::remove(path_, ec);
}

asio::awaitable<void> ControlServer::accept_loop() {
  for (;;) {
    std::error_code ec;
    auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> ControlServer::serve(stream_protocol::socket accepted) {
  // A client that sends nothing is dropped after 5 s; a line is at most kMaxControlLine octets.
  // The timer's handler may outlive this frame, so it holds the socket by shared_ptr.
  auto shared = std::make_shared<stream_protocol::socket>(std::move(accepted));
  auto& socket = *shared;
  asio::steady_timer timer(io_);
  timer.expires_after(std::chrono::seconds(5));
  timer.async_wait([shared](const std::error_code& ec) {
    std::error_code ignored;
    if (!ec) shared->cancel(ignored);
  });
  asio::streambuf input(queue::kMaxControlLine + 1);
  std::error_code ec;
  co_await asio::async_read_until(socket, input, '\n',
                                  asio::redirect_error(asio::use_awaitable, ec));
  timer.cancel();
  std::string response;
  if (ec) {
    response = queue::format_control_response({false, "expected one request line"});
  } else {
    std::string line(asio::buffers_begin(input.data()), asio::buffers_end(input.data()));
    response = handle(line.substr(0, line.find('\n') + 1));
  }
  co_await asio::async_write(socket, asio::buffer(response),
                             asio::redirect_error(asio::use_awaitable, ec));
  socket.close(ec);
}

std::string ControlServer::handle(std::string_view line) {
  auto request = queue::parse_control_request(line);
  if (!request) return queue::format_control_response({false, request.error().message});
  switch (request->command) {
    case queue::ControlCommand::Flush: {
      const std::size_t count = runner_.flush();
      log_(fmt::format("queue: flush requested ({} message{} scheduled)", count,
                       count == 1 ? "" : "s"));
      return queue::format_control_response(
          {true, fmt::format("{} message{} to be tried now", count, count == 1 ? "" : "s")});
    }
    case queue::ControlCommand::Retry: {
      auto done = runner_.retry(request->id);
      if (!done) return queue::format_control_response({false, done.error().message});
      log_(fmt::format("{}: retry requested", request->id));
      return queue::format_control_response({true, fmt::format("{} to be tried now", request->id)});
    }
    case queue::ControlCommand::Delete: {
      auto done = runner_.remove(request->id);
      if (!done) return queue::format_control_response({false, done.error().message});
      return queue::format_control_response({true, fmt::format("{} deleted", request->id)});
    }
  }
  return queue::format_control_response({false, "unknown request"});
}

}  // namespace mxkit::delivery
