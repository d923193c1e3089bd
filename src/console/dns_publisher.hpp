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

}  // namespace mxkit::console
