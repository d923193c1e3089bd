// UDP exchange and TCP client operations, each raced against a timer.
#include "net/client.hpp"

#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace mxkit::net {

using namespace asio::experimental::awaitable_operators;
namespace {
constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

NetError timeout_error(std::string_view what) {
  return {Failure::Timeout, fmt::format("timeout during {}", what)};
}
}  // namespace

NetError socket_error(const std::error_code& ec, std::string_view what) {
  const bool unreachable =
      ec == asio::error::connection_refused || ec == asio::error::connection_reset ||
      ec == asio::error::host_unreachable || ec == asio::error::network_unreachable;
  return {unreachable ? Failure::Unreachable : Failure::Network,
          fmt::format("{}: {}", what, ec.message())};
}

asio::awaitable<NetResult<std::vector<std::uint8_t>>> udp_exchange(
    asio::any_io_executor executor, asio::ip::udp::endpoint peer, std::vector<std::uint8_t> request,
    std::chrono::milliseconds timeout, AcceptDatagram accept, std::size_t max_size,
    std::optional<asio::ip::udp::endpoint> source) {
  using Result = NetResult<std::vector<std::uint8_t>>;
  asio::ip::udp::socket socket(executor);
  std::error_code ec;
  socket.open(peer.protocol(), ec);
  // Port 0: the kernel picks a random ephemeral port for each new socket (RFC 5452 §9.2).
  if (!ec) socket.bind(source.value_or(asio::ip::udp::endpoint(peer.protocol(), 0)), ec);
  if (!ec) socket.connect(peer, ec);
  if (ec) co_return Result(tl::unexpect, socket_error(ec, "udp socket"));
  auto [send_ec, sent] = co_await socket.async_send(asio::buffer(request), as_tuple_awaitable);
  if (send_ec) co_return Result(tl::unexpect, socket_error(send_ec, "udp send"));
  asio::steady_timer timer(executor);
  timer.expires_after(timeout);
  std::vector<std::uint8_t> buffer(max_size);
  // Bounded by the timer: every pass either takes a datagram or ends at the deadline.
  for (;;) {
    auto got = co_await (socket.async_receive(asio::buffer(buffer), as_tuple_awaitable) ||
                         timer.async_wait(as_tuple_awaitable));
    if (got.index() == 1)
      co_return Result(tl::unexpect, NetError{Failure::Timeout,
                                              fmt::format("timeout after {} ms", timeout.count())});
    auto [receive_ec, size] = std::get<0>(got);
    if (receive_ec) co_return Result(tl::unexpect, socket_error(receive_ec, "udp receive"));
    std::span<const std::uint8_t> datagram(buffer.data(), size);
    if (accept(datagram))
      co_return Result(std::vector<std::uint8_t>(datagram.begin(), datagram.end()));
  }
}

TcpConnection::TcpConnection(asio::any_io_executor executor) : socket_(std::move(executor)) {}

asio::awaitable<NetResult<void>> TcpConnection::connect(asio::ip::tcp::endpoint peer,
                                                        Deadline deadline,
                                                        std::optional<asio::ip::tcp::endpoint> source) {
  if (source) {
    std::error_code ec;
    socket_.open(peer.protocol(), ec);
    if (!ec) socket_.bind(*source, ec);
    if (ec) co_return NetResult<void>(tl::unexpect, socket_error(ec, "tcp bind"));
  }
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_at(deadline);
  auto done = co_await (socket_.async_connect(peer, as_tuple_awaitable) ||
                        timer.async_wait(as_tuple_awaitable));
  if (done.index() == 1) co_return NetResult<void>(tl::unexpect, timeout_error("tcp connect"));
  auto [ec] = std::get<0>(done);
  if (ec) co_return NetResult<void>(tl::unexpect, socket_error(ec, "tcp connect"));
  co_return NetResult<void>();
}

asio::awaitable<NetResult<void>> TcpConnection::write(std::span<const std::uint8_t> data,
                                                      Deadline deadline) {
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_at(deadline);
  auto done = co_await (
      asio::async_write(socket_, asio::buffer(data.data(), data.size()), as_tuple_awaitable) ||
      timer.async_wait(as_tuple_awaitable));
  if (done.index() == 1) co_return NetResult<void>(tl::unexpect, timeout_error("tcp write"));
  auto [ec, n] = std::get<0>(done);
  if (ec) co_return NetResult<void>(tl::unexpect, socket_error(ec, "tcp write"));
  co_return NetResult<void>();
}

asio::awaitable<NetResult<void>> TcpConnection::read_exactly(std::span<std::uint8_t> out,
                                                             Deadline deadline) {
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_at(deadline);
  auto done = co_await (
      asio::async_read(socket_, asio::buffer(out.data(), out.size()), as_tuple_awaitable) ||
      timer.async_wait(as_tuple_awaitable));
  if (done.index() == 1) co_return NetResult<void>(tl::unexpect, timeout_error("tcp read"));
  auto [ec, n] = std::get<0>(done);
  if (ec) co_return NetResult<void>(tl::unexpect, socket_error(ec, "tcp read"));
  co_return NetResult<void>();
}

void TcpConnection::close() {
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace mxkit::net
