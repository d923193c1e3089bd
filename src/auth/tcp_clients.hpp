// A cap on the TCP connections one client may hold at once, so that a single client keeping
// hundreds of idle connections open cannot use up the server's whole TCP limit and lock every
// other client out until the idle timeout (RFC 7766 §6.2.2 lets a server refuse connections;
// §6.2.4 expects it to protect itself from clients hoarding them). Socket-free: the server
// asks before it starts a session and tells when the session ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

namespace mxkit::auth {

// The per-client cap when none is configured: a small fraction of the whole TCP limit (an
// eighth), and never more than 64.
std::size_t default_tcp_per_client(std::size_t total_connections);

class TcpClientLimit {
 public:
  // `per_client` connections at most per client; 0 means no cap.
  explicit TcpClientLimit(std::size_t per_client) : per_client_(per_client) {}

  // A client is an IPv4 address, or an IPv6 /64 (one host usually holds a whole /64, so a
  // cap per IPv6 address would be no cap). `address` is 4 or 16 octets.
  static std::string client_key(std::span<const std::uint8_t> address);

  // Counts one more connection for `key`; false (and nothing counted) at the cap.
  bool acquire(const std::string& key);
  // Ends a connection counted by acquire().
  void release(const std::string& key);

  std::size_t per_client() const { return per_client_; }
  std::size_t connections(const std::string& key) const;
  std::size_t clients() const;

 private:
  std::size_t per_client_;
  mutable std::mutex mutex_;  // the workers share one count: a client's total is what matters
  std::unordered_map<std::string, std::size_t> counts_;
};

}  // namespace mxkit::auth
