// Names of lookup statuses and outcomes, and the end of a CNAME chain.
#include "routing/lookup.hpp"

#include "dns/rrtype.hpp"
#include "routing/plan.hpp"

namespace mxkit::routing {

std::string_view lookup_status_name(LookupStatus status) {
  switch (status) {
    case LookupStatus::Answer: return "answer";
    case LookupStatus::NoData: return "nodata";
    case LookupStatus::NxDomain: return "nxdomain";
    case LookupStatus::TempFail: return "tempfail";
  }
  return "tempfail";
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Deliverable: return "deliverable";
    case Outcome::NullMx: return "null-mx";
    case Outcome::NxDomain: return "nxdomain";
    case Outcome::NoUsableTargets: return "no-usable-targets";
    case Outcome::TemporaryFailure: return "temporary-failure";
  }
  return "temporary-failure";
}

bool is_permanent(Outcome outcome) {
  return outcome == Outcome::NullMx || outcome == Outcome::NxDomain ||
         outcome == Outcome::NoUsableTargets;
}

dns::Name canonical_name(const dns::Name& asked, const std::vector<dns::Record>& cnames) {
  for (auto it = cnames.rbegin(); it != cnames.rend(); ++it) {
    if (it->type != dns::rrtype::CNAME) continue;
    const auto& rdata = it->rdata;
    if (!rdata.empty() && dns::wire_name_length(rdata) == rdata.size())
      return dns::Name::from_wire(rdata);
  }
  return asked;
}

}  // namespace mxkit::routing
