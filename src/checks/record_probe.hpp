// Gathers the facts of record_checks.hpp through the resolver.
#pragma once

#include <cstdint>
#include <string>

#include <asio/awaitable.hpp>

#include "checks/record_checks.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::checks {

asio::awaitable<TxtLookup> lookup_txt(resolver::Resolver& resolver, std::string name);
asio::awaitable<DnsblFacts> probe_dnsbl(resolver::Resolver& resolver, std::string address,
                                        std::string zone);
asio::awaitable<PtrFacts> probe_ptr(resolver::Resolver& resolver, std::string exchange,
                                    std::string address);
asio::awaitable<TlsaFacts> probe_tlsa(resolver::Resolver& resolver, std::string exchange,
                                      std::uint16_t port);

}  // namespace mxkit::checks
