// Server-side sockets: UDP sockets and TCP acceptors that several of our own workers share on
// one address (SO_REUSEPORT), with a check that no other process holds that address first, and
// the process limits a server with many connections needs. Knows no protocol.
#pragma once

#include <cstddef>
#include <string>
#include <system_error>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/ip/v6_only.hpp>

#include "core/result.hpp"
#include "net/endpoint.hpp"

namespace mxkit::net {

enum class Transport : std::uint8_t { Udp, Tcp };

// "127.0.0.1:25", "[::1]:25": how an address is written in messages (and taken back by
// parse_endpoint).
std::string endpoint_text(const Endpoint& endpoint);

// Proves that no other socket holds `endpoint` for `transport`: binds a socket *without*
// SO_REUSEPORT and closes it again. The kernel lets a socket join a SO_REUSEPORT group only
// when every member set the option (and, on Linux, has the same effective UID), so this
// probe fails with "address already in use" when anyone (another mxkit, a stale process, a
// different server) listens there — even a process of the same user that would otherwise
// silently share the port with us (issue 14). There is a short window between this probe and
// the bind of the group in which another process could take the port; a second server started
// in that very millisecond is the only case it misses.
core::Result<void> check_address_free(const Endpoint& endpoint, Transport transport);

// Opens `socket` (a UDP socket or TCP acceptor) and binds it to `endpoint` with SO_REUSEADDR
// and SO_REUSEPORT, so each worker of ours can bind its own and the kernel spreads datagrams
// and connections over them. An IPv6 socket takes IPv6 only, so "[::]" and "0.0.0.0" can both
// be listened on. Call check_address_free() first.
void bind_shared(asio::ip::udp::socket& socket, const asio::ip::udp::endpoint& endpoint,
                 std::error_code& ec);
void bind_shared(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& endpoint,
                 std::error_code& ec);

// check_address_free + bind_shared + listen, for a TCP server of one worker; the error names
// the address: "cannot listen on TCP 127.0.0.1:25: address already in use".
core::Result<asio::ip::tcp::acceptor> listen_tcp(asio::io_context& io, const Endpoint& endpoint,
                                                 bool check_free = true);

// Raises the soft limit of open files to the hard limit (a server holding thousands of
// connections needs more than the usual 1024); returns the limit now in force.
std::size_t raise_open_file_limit();

}  // namespace mxkit::net
