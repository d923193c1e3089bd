// The DnsLookup over mxkit's resolver: what `mxkit spf` and `mxkit check` evaluate with.
#pragma once

#include "mailauth/dns_lookup.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::mailauth {

class ResolverLookup final : public DnsLookup {
 public:
  explicit ResolverLookup(resolver::Resolver& resolver) : resolver_(resolver) {}
  asio::awaitable<DnsAnswer> lookup(dns::Name name, std::uint16_t type) override;

 private:
  resolver::Resolver& resolver_;
};

}  // namespace mxkit::mailauth
