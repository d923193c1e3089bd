// The zones set at run time (managed_zones.hpp).
#include "auth/managed_zones.hpp"

#include <system_error>

#include <fmt/format.h>

#include "auth/server.hpp"

namespace mxkit::auth {

namespace {
std::string key_of(const dns::Name& origin) { return origin.lowercase().to_text(); }
}  // namespace

core::Result<void> ManagedZones::admit(const dns::Name& origin,
                                       const std::vector<ZoneSource>& sources) {
  const std::string key = key_of(origin);
  for (const auto& source : sources) {
    if (key_of(source.origin) != key) continue;
    return core::fail(
        fmt::format("zone {} is served as a {} ({}): it cannot also be set at run time",
                    origin.to_text(), source.primaries.empty() ? "zone file" : "secondary zone",
                    source.where.empty() ? source.file.string() : source.where));
  }
  return {};
}

std::shared_ptr<const Zone> ManagedZones::current(const dns::Name& origin) const {
  auto it = zones_.find(key_of(origin));
  return it == zones_.end() ? nullptr : it->second;
}

std::filesystem::path ManagedZones::journal_path(const dns::Name& origin) const {
  if (journal_dir_.empty()) return {};
  return journal_dir_ / (key_of(origin) + "jnl");  // "example.test." + "jnl"
}

void ManagedZones::journal(ZoneJournals& journals, const Zone* before, const Zone& after) const {
  if (!before) {
    std::error_code ec;  // a directory that cannot be made: open() logs the file's error
    if (!journal_dir_.empty()) std::filesystem::create_directories(journal_dir_, ec);
    journals.open(after.origin(), journal_path(after.origin()), &after);
    return;
  }
  journals.record(*before, after, {});
}

void ManagedZones::put(std::shared_ptr<const Zone> zone) {
  zones_.insert_or_assign(key_of(zone->origin()), std::move(zone));
}

void ManagedZones::erase(const dns::Name& origin) { zones_.erase(key_of(origin)); }

void ManagedZones::drop_journal(const dns::Name& origin) const {
  const auto path = journal_path(origin);
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace mxkit::auth
