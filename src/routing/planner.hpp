// The MX routing planner (RFC 5321 §5.1, RFC 7505): a socket-free state machine that asks for
// lookups, takes their results and ends with a DeliveryPlan; plus a synchronous driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "dns/name.hpp"
#include "routing/address.hpp"
#include "routing/lookup.hpp"
#include "routing/mx_set.hpp"
#include "routing/plan.hpp"

namespace mxkit::routing {

// The order of address families within one target. RFC 5321 §5.1 leaves the families' order to
// the resolver interface; we default to IPv6 first, the destination order of RFC 6724 and of
// most resolvers. (Postfix's default, smtp_address_preference = any, picks at random; we
// prefer a plan that reads the same on every run for the same DNS data.) Within a family the
// order is always the one DNS gave.
enum class AddressPreference : std::uint8_t { Ipv6First, Ipv4First, Ipv4Only, Ipv6Only };
std::string_view address_preference_name(AddressPreference preference);  // "ipv6-first", ...
std::optional<AddressPreference> parse_address_preference(std::string_view text);

struct RoutingOptions {
  AddressPreference address_preference = AddressPreference::Ipv6First;
  // The names and addresses this MTA is known by (RFC 5321 §5.1: "any of the names or
  // addresses by which it might be known in mail transactions").
  std::vector<dns::Name> self_names;
  std::vector<Address> self_addresses;
  // At most this many distinct MX targets are looked up; the rest (worst preference first)
  // are left out and the plan says so. Generous: RFC 5321 only asks for at least two.
  std::size_t max_targets = 50;
};

// Sans-I/O: pending() lists the lookups wanted now (first the MX lookup, then the A/AAAA
// lookups of every target at once, so a driver may run them in parallel); supply() feeds one
// result back. When done(), plan() is complete. The generator shuffles equal preferences.
class RoutePlanner {
 public:
  RoutePlanner(dns::Name domain, RoutingOptions options, std::mt19937_64& rng);

  std::vector<LookupRequest> pending() const;  // issued and not yet supplied
  // False (and nothing changes) when `request` is not pending.
  bool supply(const LookupRequest& request, LookupResult result);
  bool done() const { return done_; }
  const DeliveryPlan& plan() const { return plan_; }
  DeliveryPlan take_plan() { return std::move(plan_); }

 private:
  struct Target {
    Exchanger exchanger;
    std::vector<std::size_t> lookups;  // indexes into issued_, in family order
  };

  std::size_t issue(dns::Name name, std::uint16_t type);
  void on_mx(const LookupResult& result);
  void look_up_addresses();
  void finish_addresses();
  void fail(Outcome outcome, std::uint16_t reply, const char* enhanced, std::string reason);
  void finish();
  std::vector<std::uint16_t> address_types() const;
  bool is_self(const PlannedTarget& target) const;

  RoutingOptions options_;
  std::mt19937_64& rng_;
  DeliveryPlan plan_;
  std::vector<LookupRequest> issued_;
  std::vector<std::optional<LookupResult>> results_;
  std::vector<Target> targets_;
  bool done_ = false;
};

using LookupFunction = std::function<LookupResult(const LookupRequest&)>;

// Runs a planner to the end, one lookup at a time through `lookup`: for tests and callers that
// have a synchronous resolver.
DeliveryPlan plan_route(const dns::Name& domain, const RoutingOptions& options,
                        std::mt19937_64& rng, const LookupFunction& lookup);

}  // namespace mxkit::routing
