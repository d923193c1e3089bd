// Free ports and readiness probes for `mxkit demo`, with Asio's synchronous sockets.
#include "cli/demo_network.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

namespace mxkit::cli::demo {

namespace {

// Binds a socket of kind S to address:port; the socket is closed when the holder goes.
template <class Socket>
bool try_bind(asio::io_context& io, std::vector<Socket>& held, const std::string& address,
              std::uint16_t port) {
  std::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return false;
  Socket socket(io);
  socket.open(ip.is_v4() ? Socket::protocol_type::v4() : Socket::protocol_type::v6(), ec);
  if (ec) return false;
  socket.bind({ip, port}, ec);
  if (ec) return false;
  held.push_back(std::move(socket));
  return true;
}

}  // namespace

core::Result<std::uint16_t> free_port(const std::vector<std::string>& addresses, bool udp) {
  if (addresses.empty()) return core::fail("no address to find a port on");
  asio::io_context io;
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::vector<asio::ip::tcp::acceptor> tcp;
    std::vector<asio::ip::udp::socket> udps;
    if (!try_bind(io, tcp, addresses.front(), 0))
      return core::fail("cannot bind a TCP socket on " + addresses.front() +
                        " (is 127.0.0.0/8 routed to the loopback interface?)");
    const std::uint16_t port = tcp.front().local_endpoint().port();
    bool all = true;
    for (std::size_t i = 0; i < addresses.size() && all; ++i) {
      if (i > 0) all = try_bind(io, tcp, addresses[i], port);
      if (all && udp) all = try_bind(io, udps, addresses[i], port);
    }
    if (all) return port;  // the sockets close here; the port stays free for the children
  }
  std::string list;
  for (const auto& a : addresses) list += (list.empty() ? "" : ", ") + a;
  return core::fail("no port free on all of " + list + " after 50 tries");
}

bool accepts_connections(const std::string& address, std::uint16_t port) {
  asio::io_context io;
  std::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return false;
  asio::ip::tcp::socket socket(io);
  socket.connect({ip, port}, ec);
  return !ec;
}

std::string log_tail(const std::string& path, std::size_t lines) {
  std::vector<std::string> all;
  std::string line;
  for (char c : read_file(path)) {
    if (c != '\n') {
      line += c;
    } else if (!line.empty()) {
      all.push_back(std::move(line));
      line.clear();
    }
  }
  if (!line.empty()) all.push_back(std::move(line));
  std::string tail;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    tail += (tail.empty() ? "" : " | ") + all[i];
  return tail.empty() ? "(no output)" : tail;
}

core::Result<void> wait_listening(Child& child, const std::string& address, std::uint16_t port,
                                  std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (accepts_connections(address, port)) return {};
    if (!child.running()) {
      return core::fail("the server for " + address + ":" + std::to_string(port) +
                        " exited with status " + std::to_string(child.exit_status()) + ": " +
                        log_tail(child.log().string()));
    }
    if (std::chrono::steady_clock::now() >= end) {
      return core::fail("nothing listens on " + address + ":" + std::to_string(port) + " after " +
                        std::to_string(timeout.count()) + " ms: " + log_tail(child.log().string()));
    }
    sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace mxkit::cli::demo
