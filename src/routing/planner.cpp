// The MX routing state machine: MX lookup, implicit MX, address lookups, the self cut and the
// outcome with its SMTP status (RFC 5321 §5.1, RFC 7505, RFC 2181 §10.3, RFC 3463).
#include "routing/planner.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "dns/rrtype.hpp"

namespace mxkit::routing {

std::string_view address_preference_name(AddressPreference preference) {
  switch (preference) {
    case AddressPreference::Ipv6First: return "ipv6-first";
    case AddressPreference::Ipv4First: return "ipv4-first";
    case AddressPreference::Ipv4Only: return "ipv4-only";
    case AddressPreference::Ipv6Only: return "ipv6-only";
  }
  return "ipv6-first";
}

std::optional<AddressPreference> parse_address_preference(std::string_view text) {
  for (auto p : {AddressPreference::Ipv6First, AddressPreference::Ipv4First,
                 AddressPreference::Ipv4Only, AddressPreference::Ipv6Only})
    if (text == address_preference_name(p)) return p;
  return std::nullopt;
}

RoutePlanner::RoutePlanner(dns::Name domain, RoutingOptions options, std::mt19937_64& rng)
    : options_(std::move(options)), rng_(rng) {
  plan_.domain = domain;
  plan_.canonical_domain = domain;
  issue(std::move(domain), dns::rrtype::MX);
}

std::size_t RoutePlanner::issue(dns::Name name, std::uint16_t type) {
  issued_.push_back(LookupRequest{std::move(name), type});
  results_.emplace_back();
  return issued_.size() - 1;
}

std::vector<LookupRequest> RoutePlanner::pending() const {
  std::vector<LookupRequest> out;
  if (done_) return out;
  for (std::size_t i = 0; i < issued_.size(); ++i)
    if (!results_[i]) out.push_back(issued_[i]);
  return out;
}

bool RoutePlanner::supply(const LookupRequest& request, LookupResult result) {
  if (done_) return false;
  for (std::size_t i = 0; i < issued_.size(); ++i) {
    if (results_[i] || !(issued_[i] == request)) continue;
    results_[i] = std::move(result);
    if (i == 0) {
      on_mx(*results_[0]);
    } else if (std::all_of(results_.begin(), results_.end(),
                           [](const auto& r) { return r.has_value(); })) {
      finish_addresses();
    }
    return true;
  }
  return false;
}

std::vector<std::uint16_t> RoutePlanner::address_types() const {
  switch (options_.address_preference) {
    case AddressPreference::Ipv6First: return {dns::rrtype::AAAA, dns::rrtype::A};
    case AddressPreference::Ipv4First: return {dns::rrtype::A, dns::rrtype::AAAA};
    case AddressPreference::Ipv4Only: return {dns::rrtype::A};
    case AddressPreference::Ipv6Only: return {dns::rrtype::AAAA};
  }
  return {dns::rrtype::AAAA, dns::rrtype::A};
}

void RoutePlanner::fail(Outcome outcome, std::uint16_t reply, const char* enhanced,
                        std::string reason) {
  plan_.outcome = outcome;
  plan_.status = SmtpStatus{reply, enhanced};
  plan_.reason = std::move(reason);
  finish();
}

void RoutePlanner::finish() {
  plan_.steps.clear();
  std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
  for (std::size_t i = 0; i < issued_.size(); ++i) {
    if (!results_[i]) continue;
    plan_.steps.push_back(LookupStep{issued_[i], *results_[i]});
    ttl = std::min(ttl, results_[i]->ttl);
  }
  plan_.ttl = plan_.steps.empty() ? 0 : ttl;
  done_ = true;
}

// RFC 5321 §5.1, the MX lookup: a CNAME at the domain is followed ("processed as if it were
// the initial name"); NXDOMAIN "MUST be reported as an error"; a temporary error means the
// message "MUST be queued and retried later" (never a fall-back to A, which could send mail
// to a host the domain did not choose); an empty list means the implicit MX, preference 0, at
// the (canonical) domain itself; otherwise the MX records, and never the domain's addresses.
void RoutePlanner::on_mx(const LookupResult& result) {
  const std::string domain = plan_.domain.to_text();
  plan_.canonical_domain = canonical_name(plan_.domain, result.cnames);
  if (!result.cnames.empty())
    plan_.notes.push_back(
        Remark{"domain-cname-followed",
               fmt::format("{} is an alias of {}; the CNAME is followed (RFC 5321 §5.1)", domain,
                           plan_.canonical_domain.to_text())});
  switch (result.status) {
    case LookupStatus::TempFail:
      fail(Outcome::TemporaryFailure, 451, "4.4.3",
           fmt::format("temporary DNS failure looking up the MX records of {}{}{}", domain,
                       result.detail.empty() ? "" : ": ", result.detail));
      return;
    case LookupStatus::NxDomain:
      fail(Outcome::NxDomain, 550, "5.1.2",
           fmt::format("{} does not exist (NXDOMAIN)", plan_.canonical_domain.to_text()));
      return;
    case LookupStatus::NoData: {
      plan_.implicit_mx = true;
      plan_.notes.push_back(Remark{
          "implicit-mx",
          fmt::format(
              "{} has no MX records: its own address records are used as an implicit MX with "
              "preference 0 (RFC 5321 §5.1)",
              plan_.canonical_domain.to_text())});
      Target t;
      t.exchanger.name = plan_.canonical_domain;
      targets_.push_back(std::move(t));
      look_up_addresses();
      return;
    }
    case LookupStatus::Answer: break;
  }
  auto set = read_mx_set(plan_.canonical_domain, result.records, options_.max_targets, rng_);
  for (auto& w : set.warnings) plan_.warnings.push_back(std::move(w));
  if (set.null_mx) {
    fail(Outcome::NullMx, 556, "5.1.10",
         fmt::format("{} does not accept mail: it publishes a null MX (RFC 7505)", domain));
    return;
  }
  if (set.exchangers.empty()) {
    fail(Outcome::NoUsableTargets, 554, "5.4.4", fmt::format("no usable MX record for {}", domain));
    return;
  }
  for (auto& e : set.exchangers) targets_.push_back(Target{std::move(e), {}});
  look_up_addresses();
}

// Every target's address lookups are issued together. An exchange that is an IP literal is
// not looked up: Postfix (dns_lookup.c lets a "numeric domain name" through with a warning,
// smtp_addr.c then uses it as the address) delivers to it, and so do we, reporting it.
void RoutePlanner::look_up_addresses() {
  for (auto& t : targets_) {
    if (t.exchanger.literal) continue;
    for (auto type : address_types()) t.lookups.push_back(issue(t.exchanger.name, type));
  }
  if (issued_.size() == 1) finish_addresses();
}

bool RoutePlanner::is_self(const PlannedTarget& target) const {
  for (const auto& name : options_.self_names) {
    if (name == target.exchange) return true;
    if (target.canonical && name == *target.canonical) return true;
  }
  for (const auto& a : target.addresses)
    if (std::find(options_.self_addresses.begin(), options_.self_addresses.end(), a) !=
        options_.self_addresses.end())
      return true;
  return false;
}

namespace {

struct BuiltTarget {
  PlannedTarget target;
  bool temp_fail = false;
  std::string skip_reason;  // set when the target has no address to try
  std::string skip_code;    // its stable code (SkippedTarget::code)
};

std::string types_text(const std::vector<std::uint16_t>& types) {
  std::string out;
  for (auto t : types) out += fmt::format("{}{}", out.empty() ? "" : " or ", dns::type_to_text(t));
  return out;
}

}  // namespace

// RFC 5321 §5.1 once the addresses are in. Each target keeps its addresses in the order DNS
// gave them, family by family as the options say ("the SMTP sender MUST try them in the order
// presented"). A target with no address is skipped and reported. Then the self rule: "If a
// matching record is found, all records at that preference level and higher-numbered ones MUST
// be discarded ... If there are no records left at that point, it is an error condition"
// (5.4.6, the code Postfix gives a loop). If records are left but none has an address, the
// plan fails like any other: permanently (5.4.4, Postfix's "no MX host for ... has a valid
// address record"), unless a lookup failed temporarily, which may be why (4.4.3).
void RoutePlanner::finish_addresses() {
  const std::string domain = plan_.domain.to_text();
  const auto pref_name = address_preference_name(options_.address_preference);
  const bool v4_allowed = options_.address_preference != AddressPreference::Ipv6Only;
  const bool v6_allowed = options_.address_preference != AddressPreference::Ipv4Only;
  std::vector<BuiltTarget> built;
  for (const auto& t : targets_) {
    BuiltTarget b;
    b.target.exchange = t.exchanger.name;
    b.target.preference = t.exchanger.preference;
    const std::string name = t.exchanger.name.to_text();
    if (t.exchanger.literal) {
      const Address& a = *t.exchanger.literal;
      b.target.ip_literal = true;
      b.target.notes.push_back("IP literal: used as the address, not looked up");
      plan_.warnings.push_back(Remark{
          "mx-ip-literal",
          fmt::format(
              "MX target {} is an IP literal, not a host name (RFC 5321 §5.1 and RFC 1035 §3.3.9 "
              "want a domain name); used as the address {}, as Postfix does",
              name, a.to_text())});
      if (a.family == Address::Family::V4 ? v4_allowed : v6_allowed) {
        b.target.addresses.push_back(a);
      } else {
        b.skip_reason = fmt::format("its IP literal is of a family {} excludes", pref_name);
        b.skip_code = "family-excluded";
      }
    }
    bool nxdomain = false;
    std::string temp_detail;
    for (auto index : t.lookups) {
      const auto& r = *results_[index];
      const auto type = issued_[index].type;
      if (!r.cnames.empty() && !b.target.canonical) {
        b.target.canonical = canonical_name(t.exchanger.name, r.cnames);
        if (!plan_.implicit_mx) {
          b.target.notes.push_back(
              fmt::format("alias of {}: CNAME followed", b.target.canonical->to_text()));
          plan_.warnings.push_back(Remark{
              "mx-target-cname",
              fmt::format(
                  "MX target {} is a CNAME (to {}); RFC 2181 §10.3 says an MX must name a host, "
                  "never an alias; followed, as Postfix does",
                  name, b.target.canonical->to_text())});
        }
      }
      switch (r.status) {
        case LookupStatus::Answer:
          for (const auto& record : r.records) {
            if (record.type != type) continue;
            if (auto a = address_from_rdata(type, record.rdata)) {
              b.target.addresses.push_back(*a);
            } else {
              plan_.warnings.push_back(Remark{
                  "malformed-address",
                  fmt::format("malformed {} record of {} ignored", dns::type_to_text(type), name)});
            }
          }
          break;
        case LookupStatus::NxDomain: nxdomain = true; break;
        case LookupStatus::NoData: break;
        case LookupStatus::TempFail:
          b.temp_fail = true;
          temp_detail = r.detail;
          b.target.notes.push_back(fmt::format("{} lookup failed temporarily{}{}",
                                               dns::type_to_text(type),
                                               r.detail.empty() ? "" : ": ", r.detail));
          break;
      }
    }
    if (b.target.addresses.empty() && b.skip_reason.empty()) {
      if (b.temp_fail) {
        b.skip_reason = fmt::format("temporary failure looking up its addresses{}{}",
                                    temp_detail.empty() ? "" : ": ", temp_detail);
        b.skip_code = "address-lookup-failed";
      } else if (nxdomain) {
        b.skip_reason = "the name does not exist (NXDOMAIN)";
        b.skip_code = "nxdomain";
      } else {
        b.skip_reason = fmt::format("it has no {} records", types_text(address_types()));
        b.skip_code = "no-address-records";
      }
      if (!b.temp_fail && !plan_.implicit_mx)
        plan_.warnings.push_back(Remark{
            "mx-target-without-address",
            fmt::format("MX target {}: {}; RFC 5321 §5.1 says it MUST have an address record", name,
                        b.skip_reason)});
    }
    built.push_back(std::move(b));
  }

  // Targets are in preference order, so the first match is at the best level holding self.
  std::optional<std::uint16_t> self_preference;
  for (const auto& b : built) {
    if (is_self(b.target)) {
      self_preference = b.target.preference;
      break;
    }
  }
  if (self_preference)
    plan_.notes.push_back(Remark{
        "self-in-mx-list",
        fmt::format(
            "this host is an MX target of {} at preference {}: that level and all worse ones are "
            "discarded (RFC 5321 §5.1)",
            domain, *self_preference)});

  bool any_left = false, any_temp = false;
  for (auto& b : built) {
    auto& t = b.target;
    if (self_preference && t.preference >= *self_preference) {
      const bool self = is_self(t);
      plan_.skipped.push_back(SkippedTarget{
          t.exchange, t.preference,
          self ? "this host (--self)"
               : fmt::format("not better than this host's preference {}", *self_preference),
          self ? "self" : "not-better-than-self"});
      continue;
    }
    any_left = true;
    if (t.addresses.empty()) {
      any_temp = any_temp || b.temp_fail;
      plan_.skipped.push_back(SkippedTarget{t.exchange, t.preference, b.skip_reason, b.skip_code});
      continue;
    }
    plan_.targets.push_back(std::move(t));
  }

  if (self_preference && !any_left) {
    fail(Outcome::NoUsableTargets, 554, "5.4.6",
         fmt::format("mail for {} loops back to myself", domain));
    return;
  }
  if (plan_.targets.empty()) {
    if (any_temp) {
      fail(
          Outcome::TemporaryFailure, 451, "4.4.3",
          plan_.implicit_mx
              ? fmt::format("temporary DNS failure looking up the addresses of {}", domain)
              : fmt::format("no MX host for {} has an address now: temporary DNS failure", domain));
    } else {
      fail(Outcome::NoUsableTargets, 554, "5.4.4",
           plan_.implicit_mx ? fmt::format("{} has no MX records and no address records", domain)
                             : fmt::format("no MX host for {} has an address record", domain));
    }
    return;
  }
  plan_.outcome = Outcome::Deliverable;
  plan_.status.reset();
  if (plan_.implicit_mx) {
    plan_.reason =
        fmt::format("mail for {} goes to the domain's own addresses (implicit MX)", domain);
  } else {
    plan_.reason = fmt::format("mail for {} goes to {} MX target{}, best preference first", domain,
                               plan_.targets.size(), plan_.targets.size() == 1 ? "" : "s");
  }
  finish();
}

DeliveryPlan plan_route(const dns::Name& domain, const RoutingOptions& options,
                        std::mt19937_64& rng, const LookupFunction& lookup) {
  RoutePlanner planner(domain, options, rng);
  // Two rounds suffice (MX, then addresses); the bound only guards against a planner bug.
  for (int round = 0; round < 4 && !planner.done(); ++round)
    for (const auto& request : planner.pending()) planner.supply(request, lookup(request));
  return planner.take_plan();
}

}  // namespace mxkit::routing
