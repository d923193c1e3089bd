// Listening sockets shared by our own workers, and the probe that keeps other processes out
// (see listen.hpp).
#include "net/listen.hpp"

#include <cerrno>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace mxkit::net {

std::string endpoint_text(const Endpoint& endpoint) {
  if (endpoint.address.is_v6())
    return fmt::format("[{}]:{}", endpoint.address.to_string(), endpoint.port);
  return fmt::format("{}:{}", endpoint.address.to_string(), endpoint.port);
}

namespace {

const char* transport_name(Transport transport) {
  return transport == Transport::Udp ? "UDP" : "TCP";
}

std::string lowercase_first(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

core::Result<void> listen_failure(const Endpoint& endpoint, Transport transport,
                                  const std::error_code& ec) {
  return core::fail(fmt::format("cannot listen on {} {}: {}", transport_name(transport),
                                endpoint_text(endpoint), lowercase_first(ec.message())));
}

template <class Socket, class SocketEndpoint>
void bind_reusing(Socket& socket, const SocketEndpoint& endpoint, bool reuse_port,
                  std::error_code& ec) {
  socket.open(endpoint.protocol(), ec);
  // TCP: SO_REUSEADDR only lets us bind over connections in TIME_WAIT (never beside a
  // listener). UDP: SO_REUSEADDR would let two sockets share the address, so the probe
  // (reuse_port false) leaves it off there.
  if (!ec && (reuse_port || std::is_same_v<Socket, asio::ip::tcp::acceptor>))
    socket.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && reuse_port) {
    int one = 1;
    if (::setsockopt(socket.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = std::error_code(errno, std::system_category());
  }
  if (!ec && endpoint.address().is_v6()) socket.set_option(asio::ip::v6_only(true), ec);
  if (!ec) socket.bind(endpoint, ec);
}

}  // namespace

core::Result<void> check_address_free(const Endpoint& endpoint, Transport transport) {
  asio::io_context io(1);
  std::error_code ec;
  if (transport == Transport::Udp) {
    asio::ip::udp::socket probe(io);
    bind_reusing(probe, asio::ip::udp::endpoint(endpoint.address, endpoint.port), false, ec);
  } else {
    asio::ip::tcp::acceptor probe(io);
    bind_reusing(probe, asio::ip::tcp::endpoint(endpoint.address, endpoint.port), false, ec);
  }
  if (ec) return listen_failure(endpoint, transport, ec);
  return {};
}

void bind_shared(asio::ip::udp::socket& socket, const asio::ip::udp::endpoint& endpoint,
                 std::error_code& ec) {
  bind_reusing(socket, endpoint, true, ec);
}

void bind_shared(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& endpoint,
                 std::error_code& ec) {
  bind_reusing(acceptor, endpoint, true, ec);
}

core::Result<asio::ip::tcp::acceptor> listen_tcp(asio::io_context& io, const Endpoint& endpoint,
                                                 bool check_free) {
  if (check_free) {
    if (auto free = check_address_free(endpoint, Transport::Tcp); !free)
      return tl::unexpected(free.error());
  }
  asio::ip::tcp::acceptor acceptor(io);
  std::error_code ec;
  bind_shared(acceptor, asio::ip::tcp::endpoint(endpoint.address, endpoint.port), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    auto failure = listen_failure(endpoint, Transport::Tcp, ec);
    return tl::unexpected(failure.error());
  }
  return acceptor;
}

std::size_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace mxkit::net
