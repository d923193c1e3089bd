// The sender domain check (see sender_check.hpp).
#include "mta/sender_check.hpp"

#include <algorithm>

#include "dns/rrtype.hpp"
#include "routing/lookup.hpp"
#include "routing/mx_set.hpp"

namespace mxkit::mta {

SenderDomainChecker::SenderDomainChecker(asio::any_io_executor executor,
                                         resolver::ResolverConfig config)
    : resolver_(std::move(executor), std::move(config)) {}

asio::awaitable<SenderDomainStatus> SenderDomainChecker::check(std::string domain) {
  const auto now = std::chrono::steady_clock::now();
  if (auto it = cache_.find(domain); it != cache_.end() && it->second.expires > now)
    co_return it->second.status;
  auto name = dns::Name::from_text(domain + ".");
  if (!name)
    co_return SenderDomainStatus::Accepts;  // the address parser let it through; nothing to ask
  auto resolution = co_await resolver_.resolve(*name, dns::rrtype::MX);
  SenderDomainStatus status = SenderDomainStatus::Accepts;
  switch (resolution.status) {
    case resolver::Status::Answer: {
      const auto owner = routing::canonical_name(*name, resolution.cnames);
      status = routing::read_mx_set(owner, resolution.records, 50, rng_).null_mx
                   ? SenderDomainStatus::NullMx
                   : SenderDomainStatus::Accepts;
      break;
    }
    case resolver::Status::NoData: status = SenderDomainStatus::Accepts; break;  // implicit MX
    case resolver::Status::NxDomain: status = SenderDomainStatus::NoDomain; break;
    case resolver::Status::ServFail:
    case resolver::Status::Timeout: status = SenderDomainStatus::TempFail; break;
  }
  // Verdicts are kept for the record's TTL within [60 s, 1 h] (a zero negative TTL must not
  // cost a query per message); a failure is asked again after 30 s.
  const auto keep = status == SenderDomainStatus::TempFail
                        ? std::chrono::seconds(30)
                        : std::chrono::seconds(std::clamp<std::uint32_t>(resolution.ttl, 60, 3600));
  if (cache_.size() > 10000) cache_.clear();  // bounded; a flood of random domains just re-asks
  cache_[domain] = {status, std::chrono::steady_clock::now() + keep};
  co_return status;
}

}  // namespace mxkit::mta
