// Zones given to a running server by a program (the management console) rather than by a zone
// file or a primary: their current copies, who may not be given this way, and their journals.
// DnsServer::set_zone/remove_zone (managed_zones.cpp) serialise every change under the
// server's reload mutex; the map itself is read by compose() under its state mutex.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/zone.hpp"
#include "auth/zone_journals.hpp"
#include "auth/zone_set.hpp"
#include "core/result.hpp"
#include "dns/name.hpp"

namespace mxkit::auth {

struct ZoneSource;

class ManagedZones {
 public:
  // `journal_dir`: where each zone's IXFR journal is kept ("ORIGIN.jnl"); empty: in memory.
  explicit ManagedZones(std::filesystem::path journal_dir) : journal_dir_(std::move(journal_dir)) {}

  // An error when `origin` is given as a file or secondary zone (`sources`): one origin has one
  // owner, and the file would silently win or lose at the next reload.
  static core::Result<void> admit(const dns::Name& origin, const std::vector<ZoneSource>& sources);

  // The copy served now, or nullptr.
  std::shared_ptr<const Zone> current(const dns::Name& origin) const;

  // The journal entry for the change from `before` (nullptr: the zone is new, its journal is
  // opened, keeping what a previous run wrote when it ends at `after`'s serial) to `after`.
  void journal(ZoneJournals& journals, const Zone* before, const Zone& after) const;

  void put(std::shared_ptr<const Zone> zone);
  void erase(const dns::Name& origin);
  // Its journal file, removed: a zone withdrawn has no history left to serve.
  void drop_journal(const dns::Name& origin) const;

  bool empty() const { return zones_.empty(); }
  std::size_t size() const { return zones_.size(); }
  void add_to(ZoneSet& set) const {
    for (const auto& [key, zone] : zones_) set.add(zone);
  }

 private:
  std::filesystem::path journal_path(const dns::Name& origin) const;

  std::filesystem::path journal_dir_;
  std::map<std::string, std::shared_ptr<const Zone>> zones_;  // by lower-cased origin text
};

}  // namespace mxkit::auth
