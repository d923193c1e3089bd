// The DnsLookup over mxkit's resolver (see resolver_lookup.hpp).
#include "mailauth/resolver_lookup.hpp"

#include <utility>

#include <fmt/format.h>

namespace mxkit::mailauth {

asio::awaitable<DnsAnswer> ResolverLookup::lookup(dns::Name name, std::uint16_t type) {
  auto r = co_await resolver_.resolve(std::move(name), type);
  DnsAnswer out;
  switch (r.status) {
    case resolver::Status::Answer: out.status = DnsStatus::Answer; break;
    case resolver::Status::NoData: out.status = DnsStatus::NoData; break;
    case resolver::Status::NxDomain: out.status = DnsStatus::NxDomain; break;
    case resolver::Status::ServFail:
    case resolver::Status::Timeout: out.status = DnsStatus::TempFail; break;
  }
  out.records = std::move(r.records);
  out.detail = r.detail.empty() && out.status == DnsStatus::TempFail
                   ? std::string(resolver::status_name(r.status))
                   : std::move(r.detail);
  if (out.detail.empty()) {
    if (r.from_cache) {
      out.detail = "from the cache";
    } else if (!r.trace.empty()) {  // with ResolverConfig::trace: the server that answered
      out.detail = "from " + r.trace.back().server;
    }
  }
  co_return out;
}

}  // namespace mxkit::mailauth
