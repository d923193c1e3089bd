// The zones a server is authoritative for, and which one answers for a name.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/zone.hpp"

namespace mxkit::auth {

class ZoneSet {
 public:
  // Adds a zone, replacing one with the same origin.
  void add(std::shared_ptr<const Zone> zone);
  // Room for `count` zones, so adding 100,000 does not rehash the index as it grows.
  void reserve(std::size_t count) {
    zones_.reserve(count);
    by_origin_.reserve(count);
  }
  // The zone with the longest origin that `name` is at or below, or nullptr (→ REFUSED).
  const Zone* find(dns::WireName name) const;
  std::size_t size() const { return zones_.size(); }
  const std::vector<std::shared_ptr<const Zone>>& zones() const { return zones_; }

  // A zone we serve but cannot answer for yet or any more (a secondary before its first
  // transfer, or past its SOA expire): queries at or below it get SERVFAIL.
  void add_unavailable(const dns::Name& origin);
  // True when `name` lies in an unavailable zone closer to it than `found` (what find() gave).
  bool unavailable(dns::WireName name, const Zone* found) const {
    return !unavailable_.empty() && in_unavailable(name, found);
  }

 private:
  std::vector<std::shared_ptr<const Zone>> zones_;
  // Looked up by std::string_view too (C++20 heterogeneous lookup), so find() allocates nothing.
  struct OriginHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  std::unordered_map<std::string, std::size_t, OriginHash, std::equal_to<>> by_origin_;  // lower-cased wire origin → index
  std::vector<std::string> unavailable_;                    // lower-cased wire origins

  bool in_unavailable(dns::WireName name, const Zone* found) const;
};

}  // namespace mxkit::auth
