// The MX area of `mxkit check`: findings from the delivery plan the routing planner made (the
// same plan `mxkit route` prints). Socket-free.
#pragma once

#include <vector>

#include "checks/finding.hpp"
#include "routing/address.hpp"
#include "routing/plan.hpp"

namespace mxkit::checks {

// RFC 6890's special-purpose ranges that are not globally reachable (loopback, private,
// link-local, documentation, shared, multicast, reserved; IPv6 ULA, link-local, documentation).
bool is_public_address(const routing::Address& address);

// MX present or implicit, null MX alone and at preference 0 (RFC 7505), targets host names with
// addresses (RFC 5321 §5.1), not aliases (RFC 2181 §10.3), public, not all on one address or
// network, no duplicates, more than one.
std::vector<Finding> check_mx(const routing::DeliveryPlan& plan);

}  // namespace mxkit::checks
