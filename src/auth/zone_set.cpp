// Zone selection by longest matching origin.
#include "auth/zone_set.hpp"

#include <algorithm>
#include <array>

namespace mxkit::auth {

namespace {
std::string lowered(dns::WireName name) {
  std::string key(reinterpret_cast<const char*>(name.data()), name.size());
  for (auto& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return key;
}
}  // namespace

void ZoneSet::add(std::shared_ptr<const Zone> zone) {
  auto key = lowered(zone->origin().wire());
  if (auto it = by_origin_.find(key); it != by_origin_.end()) {
    zones_[it->second] = std::move(zone);
    return;
  }
  by_origin_.emplace(std::move(key), zones_.size());
  zones_.push_back(std::move(zone));
}

const Zone* ZoneSet::find(dns::WireName name) const {
  if (zones_.size() == 1) {
    const Zone* only = zones_[0].get();
    return dns::is_subdomain(name, only->origin().wire()) ? only : nullptr;
  }
  // From the full name towards the root: the first origin found is the longest. The name is
  // lower-cased into a buffer on the stack: a query costs no allocation.
  std::array<char, dns::kMaxNameLength> buffer;
  const std::size_t length = std::min(name.size(), buffer.size());
  for (std::size_t i = 0; i < length; ++i) {
    const auto c = name[i];
    buffer[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  const std::string_view key(buffer.data(), length);
  std::size_t at = 0;
  for (;;) {
    if (auto it = by_origin_.find(key.substr(at)); it != by_origin_.end())
      return zones_[it->second].get();
    if (at >= key.size() || key[at] == 0) return nullptr;
    at += static_cast<std::uint8_t>(key[at]) + 1u;
  }
}

void ZoneSet::add_unavailable(const dns::Name& origin) { unavailable_.push_back(lowered(origin.wire())); }

bool ZoneSet::in_unavailable(dns::WireName name, const Zone* found) const {
  const std::size_t found_length = found ? found->origin().wire().size() : 0;
  for (const auto& origin : unavailable_) {
    auto wire = dns::WireName(reinterpret_cast<const std::uint8_t*>(origin.data()), origin.size());
    if (origin.size() > found_length && dns::is_subdomain(name, wire)) return true;
  }
  return false;
}

}  // namespace mxkit::auth
