// The loopback network of `mxkit demo`: ports free on several 127.0.0.x addresses at once, and
// waiting for a child server to listen.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/demo_process.hpp"
#include "core/result.hpp"

namespace mxkit::cli::demo {

// A port free for TCP (and for UDP when `udp`) on every address given: the kernel picks one on
// the first address (bind to port 0) and the others are tried on it; up to 50 picks.
core::Result<std::uint16_t> free_port(const std::vector<std::string>& addresses, bool udp);

// True when something takes TCP connections at address:port now (on loopback a refused
// connection is known at once, so this never waits).
bool accepts_connections(const std::string& address, std::uint16_t port);

// Waits until the child listens on address:port (TCP: every mxkit role listens on TCP, DNS
// included). Fails when the child exits first, quoting the end of its log, or at `timeout`.
core::Result<void> wait_listening(Child& child, const std::string& address, std::uint16_t port,
                                  std::chrono::milliseconds timeout);

// The last `lines` lines of a file, for error messages about a child.
std::string log_tail(const std::string& path, std::size_t lines = 5);

}  // namespace mxkit::cli::demo
