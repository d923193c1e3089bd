// The server side of the control socket SPOOL/control.sock (the codec is queue/control.hpp):
// `mxkit queue flush | retry ID | delete ID` reach the running queue runner through it. One
// request line, one response line, then the connection closes.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>

#include "core/result.hpp"
#include "delivery/queue_runner.hpp"

namespace mxkit::delivery {

class ControlServer {
 public:
  ControlServer(asio::io_context& io, std::filesystem::path socket_path, QueueRunner& runner,
                std::function<void(const std::string&)> log);
  ~ControlServer();

  // Binds the socket (mode 0600: only the spool's owner may steer the queue). A socket file
  // left by a server that died is replaced; one a live server answers on is an error, which also
  // keeps two servers off one spool.
  core::Result<void> start();
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::local::stream_protocol::socket accepted);
  std::string handle(std::string_view line);

  asio::io_context& io_;
  std::filesystem::path path_;
  QueueRunner& runner_;
  std::function<void(const std::string&)> log_;
  asio::local::stream_protocol::acceptor acceptor_;
};

}  // namespace mxkit::delivery
