// The zones a server is authoritative for, and which one answers for a name.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/zone.hpp"

namespace mxkit::auth {

class ZoneSet {
 public:
  // Adds a zone, replacing one with the same origin.
  void add(std::shared_ptr<const Zone> zone);
  // The zone with the longest origin that `name` is at or below, or nullptr (→ REFUSED).
  const Zone* find(dns::WireName name) const;
  std::size_t size() const { return zones_.size(); }
  const std::vector<std::shared_ptr<const Zone>>& zones() const { return zones_; }

 private:
  std::vector<std::shared_ptr<const Zone>> zones_;
  std::unordered_map<std::string, std::size_t> by_origin_;  // lower-cased wire origin → index
};

}  // namespace mxkit::auth
