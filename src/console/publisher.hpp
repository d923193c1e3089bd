// Where the console sends a zone once a change is committed: the DNS role of the same process
// (dns_publisher.hpp binds it to auth::DnsServer). Kept as an interface so the API handlers are
// tested over the real store without a DNS server, and the DNS side without HTTP.
#pragma once

#include <string_view>
#include <vector>

#include "console/store.hpp"
#include "core/result.hpp"

namespace mxkit::console {

class ZonePublisher {
 public:
  virtual ~ZonePublisher() = default;
  // Serves `zone` with exactly `records` from now on (the SOA among them carries zone.serial):
  // atomically, journaled against the copy served before (IXFR) and announced by NOTIFY. An
  // error (the records do not build a zone) leaves the served copy as it was.
  virtual core::Result<void> publish(const Zone& zone, const std::vector<Record>& records) = 0;
  // Stops serving the zone (REFUSED from then on, as for any name we are not authoritative for).
  virtual void withdraw(std::string_view zone) = 0;
};

}  // namespace mxkit::console
