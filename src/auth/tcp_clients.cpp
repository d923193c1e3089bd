// Per-client TCP connection counts, shared by the server's workers.
#include "auth/tcp_clients.hpp"

#include <algorithm>

namespace mxkit::auth {

std::size_t default_tcp_per_client(std::size_t total_connections) {
  return std::clamp<std::size_t>(total_connections / 8, 1, 64);
}

std::string TcpClientLimit::client_key(std::span<const std::uint8_t> address) {
  const std::size_t length = address.size() == 16 ? 8 : address.size();  // IPv6: the /64
  return std::string(reinterpret_cast<const char*>(address.data()), length);
}

bool TcpClientLimit::acquire(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& count = counts_[key];
  if (per_client_ != 0 && count >= per_client_) return false;  // count > 0: nothing to erase
  ++count;
  return true;
}

void TcpClientLimit::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);  // the map holds only clients with connections
}

std::size_t TcpClientLimit::connections(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

std::size_t TcpClientLimit::clients() const {
  std::lock_guard lock(mutex_);
  return counts_.size();
}

}  // namespace mxkit::auth
