// Asio client glue with deadlines: one UDP request/reply on a fresh connected socket, and a TCP
// connection whose connect, reads and writes each end at a deadline. Knows no protocol.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <tl/expected.hpp>

namespace mxkit::net {

enum class Failure : std::uint8_t {
  Timeout,      // the deadline passed
  Unreachable,  // ICMP port/host unreachable, connection refused or reset
  Network,      // anything else the socket layer reported
};

struct NetError {
  Failure failure = Failure::Network;
  std::string message;  // "timeout after 1500 ms", "connection refused"
};

template <class T>
using NetResult = tl::expected<T, NetError>;

using Deadline = std::chrono::steady_clock::time_point;

// Which datagrams a UDP exchange takes as the reply; the others are dropped and it waits on.
using AcceptDatagram = std::function<bool(std::span<const std::uint8_t>)>;

// Sends `request` from a new UDP socket bound to a kernel-chosen port and connected to `peer`
// (so the kernel drops datagrams from any other address, and an ICMP unreachable ends the wait
// at once), then returns the first datagram `accept` takes, or Timeout when none came in time.
// Datagrams longer than `max_size` are cut to it. `source`, when given, is the local address
// (and port, 0 for any) to send from (dig -b).
asio::awaitable<NetResult<std::vector<std::uint8_t>>> udp_exchange(
    asio::any_io_executor executor, asio::ip::udp::endpoint peer, std::vector<std::uint8_t> request,
    std::chrono::milliseconds timeout, AcceptDatagram accept, std::size_t max_size = 65535,
    std::optional<asio::ip::udp::endpoint> source = std::nullopt);

// A TCP client connection: every operation ends by its deadline or fails with Timeout.
class TcpConnection {
 public:
  explicit TcpConnection(asio::any_io_executor executor);

  // `source`, when given, is the local address (and port, 0 for any) to connect from.
  asio::awaitable<NetResult<void>> connect(asio::ip::tcp::endpoint peer, Deadline deadline,
                                           std::optional<asio::ip::tcp::endpoint> source = std::nullopt);
  asio::awaitable<NetResult<void>> write(std::span<const std::uint8_t> data, Deadline deadline);
  // Fills `out` completely; a connection closed before that is an error.
  asio::awaitable<NetResult<void>> read_exactly(std::span<std::uint8_t> out, Deadline deadline);
  void close();

 private:
  asio::ip::tcp::socket socket_;
};

// Maps a socket error to a NetError, `what` saying what was being done ("connect").
NetError socket_error(const std::error_code& ec, std::string_view what);

}  // namespace mxkit::net
