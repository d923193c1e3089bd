// Records → auth::Zone (zone_build.hpp) → DnsServer::set_zone.
#include "console/dns_publisher.hpp"

#include <fmt/format.h>

#include "auth/ixfr.hpp"
#include "console/zone_build.hpp"
#include "core/log.hpp"

namespace mxkit::console {

core::Result<void> DnsPublisher::publish(const Zone& zone, const std::vector<Record>& records) {
  auto built = build_zone(zone.name, records);
  if (!built) return tl::unexpected(built.error());
  // The store's serial is the one the API committed; an SOA that says otherwise would have
  // secondaries and /propagation chase a serial nobody committed.
  if (const auto served = auth::zone_serial(**built); served != zone.serial)
    return core::fail(fmt::format("zone {}: its SOA has serial {}, the store {}", zone.name, served,
                                  zone.serial));
  return server_.set_zone(std::move(*built));
}

void DnsPublisher::withdraw(std::string_view zone) {
  auto origin = dns::Name::from_text(zone);
  if (!origin) return;
  if (auto removed = server_.remove_zone(*origin); !removed)
    core::log_line("mxkit serve", removed.error().message);
}

core::Result<std::size_t> publish_all(Store& store, ZonePublisher& publisher,
                                      std::vector<std::string>& failures) {
  auto zones = store.list_zones();
  if (!zones) return core::fail("the console's store: " + zones.error().message);
  std::size_t published = 0;
  for (const auto& zone : *zones) {
    auto records = store.records(zone.name);
    if (!records) {
      failures.push_back(fmt::format("zone {}: {}", zone.name, records.error().message));
      continue;
    }
    if (auto done = publisher.publish(zone, *records); !done) {
      failures.push_back(done.error().message);
      continue;
    }
    ++published;
  }
  return published;
}

}  // namespace mxkit::console
