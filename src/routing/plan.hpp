// A delivery plan: where mail for a domain goes, in the order to try, and every lookup and
// decision that led there, so `mxkit route` can show why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.hpp"
#include "routing/address.hpp"
#include "routing/lookup.hpp"
#include "routing/mx_set.hpp"

namespace mxkit::routing {

enum class Outcome : std::uint8_t {
  Deliverable,       // at least one target with an address
  NullMx,            // the domain publishes a null MX: it takes no mail (RFC 7505)
  NxDomain,          // the domain does not exist
  NoUsableTargets,   // MX (or implicit MX) present but none usable, or a loop to ourselves
  TemporaryFailure,  // a DNS failure that may pass: queue and retry (RFC 5321 §5.1)
};
std::string_view outcome_name(Outcome outcome);  // "deliverable", "null-mx", ...
bool is_permanent(Outcome outcome);              // null-mx, nxdomain, no-usable-targets

// The SMTP reply a failed plan turns into (RFC 5321 §4.2, RFC 3463 enhanced codes).
struct SmtpStatus {
  std::uint16_t reply = 0;  // 556, 550, 554, 451
  std::string enhanced;     // "5.1.10"
};

// A mail exchanger to try, with its addresses in the order to try them.
struct PlannedTarget {
  dns::Name exchange;  // as the MX record names it (the domain for implicit MX)
  std::uint16_t preference = 0;
  std::vector<Address> addresses;  // families ordered by the preference option, DNS order within
  std::optional<dns::Name> canonical;  // where the exchange's CNAME chain ended, when it had one
  bool ip_literal = false;             // the exchange name was an address (see planner.cpp)
  std::vector<std::string> notes;      // per-target remarks, also summarised in warnings
};

// A target left out of the plan, and why.
struct SkippedTarget {
  dns::Name exchange;
  std::uint16_t preference = 0;
  std::string reason;  // "no address records", "is this host (--self)", ...
  // Stable, for scripts: "no-address-records", "nxdomain", "address-lookup-failed",
  // "family-excluded", "self", "not-better-than-self".
  std::string code;
};

// One lookup the plan made, as it was answered.
struct LookupStep {
  LookupRequest request;
  LookupResult result;
};

struct DeliveryPlan {
  dns::Name domain;            // as asked
  dns::Name canonical_domain;  // after the domain's CNAME chain (== domain without one)
  Outcome outcome = Outcome::TemporaryFailure;
  bool implicit_mx = false;            // no MX records: the domain's own addresses (RFC 5321 §5.1)
  std::vector<PlannedTarget> targets;  // in delivery order
  std::vector<SkippedTarget> skipped;  // in preference order
  std::vector<LookupStep> steps;       // in the order the lookups were issued
  std::vector<Remark> warnings;        // problems in the domain's DNS, each naming its RFC
  std::vector<Remark> notes;           // decisions worth knowing: CNAME followed, implicit MX
  std::optional<SmtpStatus> status;    // set unless deliverable
  std::string reason;                  // one line for a human
  std::uint32_t ttl = 0;               // the smallest TTL of the steps: how long the plan holds
};

}  // namespace mxkit::routing
