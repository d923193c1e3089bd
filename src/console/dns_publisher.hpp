// The ZonePublisher of `mxkit serve`: the console's zones served by the same process's DNS
// role (auth::DnsServer::set_zone), journaled for IXFR and announced by NOTIFY.
#pragma once

#include "auth/server.hpp"
#include "console/publisher.hpp"

namespace mxkit::console {

class DnsPublisher : public ZonePublisher {
 public:
  explicit DnsPublisher(auth::DnsServer& server) : server_(server) {}

  core::Result<void> publish(const Zone& zone, const std::vector<Record>& records) override;
  void withdraw(std::string_view zone) override;

 private:
  auth::DnsServer& server_;
};

// Publishes every zone of the store (at start: the DNS role serves what the console holds, and
// a restart serves it again). A zone that fails is named in `failures` and the others go on.
// Returns how many were published; an error only when the store cannot list its zones.
core::Result<std::size_t> publish_all(Store& store, ZonePublisher& publisher,
                                      std::vector<std::string>& failures);

}  // namespace mxkit::console
