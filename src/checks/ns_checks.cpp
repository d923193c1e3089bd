// Name-server findings (see ns_checks.hpp).
#include "checks/ns_checks.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "checks/serial.hpp"

namespace mxkit::checks {

namespace {

std::string listed(const std::vector<std::string>& items) {
  return items.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(items, ", "));
}

std::vector<std::string> sorted_set(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

std::vector<Finding> check_nameservers(const NameServerFacts& facts) {
  std::vector<Finding> out;
  if (!facts.parent_answered)
    out.push_back(
        make_finding("ns-lookup-failed", facts.zone,
                     fmt::format("the delegation of {} could not be read from its parent: {}",
                                 facts.zone, facts.parent_error)));
  std::set<std::string> all_addresses;
  std::vector<const ServerAnswer*> authoritative;
  for (const auto& s : facts.servers) {
    if (s.answers.empty())
      out.push_back(
          make_finding("ns-unreachable", s.name,
                       fmt::format("the name server {} has no address{}", s.name,
                                   s.address_error.empty() ? "" : ": " + s.address_error)));
    for (const auto& a : s.answers) {
      all_addresses.insert(a.address);
      const std::string subject = fmt::format("{} {}", s.name, a.address);
      if (!a.reachable) {
        out.push_back(
            make_finding("ns-unreachable", subject,
                         fmt::format("{} at {} did not answer: {}", s.name, a.address, a.error)));
      } else if (!a.authoritative) {
        out.push_back(make_finding("ns-lame", subject,
                                   fmt::format("{} at {} is not authoritative for {}: {}", s.name,
                                               a.address, facts.zone, a.error)));
      } else {
        authoritative.push_back(&a);
      }
    }
    // Glue is the parent's copy of the zone's addresses for in-zone servers (RFC 1034 §4.2.1).
    if (!s.glue.empty() && !s.addresses.empty() && sorted_set(s.glue) != sorted_set(s.addresses))
      out.push_back(
          make_finding("glue-mismatch", s.name,
                       fmt::format("the parent's glue for {} is {} but the zone gives {}", s.name,
                                   listed(sorted_set(s.glue)), listed(sorted_set(s.addresses)))));
  }
  // The newest serial by RFC 1982 arithmetic; every server behind it lags.
  std::optional<std::uint32_t> newest;
  for (const auto* a : authoritative)
    if (a->serial && (!newest || compare_serials(*a->serial, *newest) == SerialOrder::greater))
      newest = a->serial;
  for (const auto& s : facts.servers)
    for (const auto& a : s.answers) {
      if (!a.authoritative || !a.serial || !newest || *a.serial == *newest) continue;
      const auto order = compare_serials(*a.serial, *newest);
      out.push_back(make_finding(
          "ns-serial-mismatch", fmt::format("{} {}", s.name, a.address),
          order == SerialOrder::undefined
              ? fmt::format("{} at {} has serial {}, which RFC 1982 cannot order against {} "
                            "(2^31 apart)",
                            s.name, a.address, *a.serial, *newest)
              : fmt::format("{} at {} has serial {}, behind the newest {}", s.name, a.address,
                            *a.serial, *newest)));
    }
  if (facts.parent_answered && !facts.child_ns.empty() &&
      sorted_set(facts.parent_ns) != sorted_set(facts.child_ns))
    out.push_back(make_finding(
        "ns-set-mismatch", facts.zone,
        fmt::format("the parent delegates to {} but the zone lists {}",
                    listed(sorted_set(facts.parent_ns)), listed(sorted_set(facts.child_ns)))));
  if (facts.servers.size() < 2)
    out.push_back(
        make_finding("single-ns", facts.zone,
                     fmt::format("{} has {} name server{}", facts.zone, facts.servers.size(),
                                 facts.servers.size() == 1 ? "" : "s")));
  else if (all_addresses.size() < 2)
    out.push_back(
        make_finding("single-ns", facts.zone,
                     fmt::format("all {} name servers share one address ({})", facts.servers.size(),
                                 listed({all_addresses.begin(), all_addresses.end()}))));
  // MX RRset and TTL from every authoritative server (RFC 2181 §5.2: one RRset, one TTL).
  const ServerAnswer* first = nullptr;
  std::uint32_t longest = 0;
  for (const auto& s : facts.servers)
    for (const auto& a : s.answers) {
      if (!a.authoritative || !a.mx_answered) continue;
      if (a.mx_ttl) longest = std::max(longest, *a.mx_ttl);
      if (first == nullptr) {
        first = &a;
        continue;
      }
      if (a.mx != first->mx)
        out.push_back(
            make_finding("mx-mismatch", fmt::format("{} {}", s.name, a.address),
                         fmt::format("{} at {} gives MX {} but {} gives {}", s.name, a.address,
                                     listed(a.mx), first->address, listed(first->mx))));
      else if (a.mx_ttl != first->mx_ttl)
        out.push_back(make_finding(
            "mx-mismatch", fmt::format("{} {}", s.name, a.address),
            fmt::format("{} at {} gives the MX RRset TTL {} but {} gives {}", s.name, a.address,
                        a.mx_ttl.value_or(0), first->address, first->mx_ttl.value_or(0))));
    }
  if (longest > kLongMxTtl)
    out.push_back(make_finding("mx-ttl-long", facts.zone,
                               fmt::format("the MX TTL is {} s ({:.1f} days): a change takes that "
                                           "long to reach every sender",
                                           longest, longest / 86400.0)));
  return out;
}

}  // namespace mxkit::checks
