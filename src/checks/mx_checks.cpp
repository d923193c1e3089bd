// MX findings from a delivery plan (see mx_checks.hpp).
#include "checks/mx_checks.hpp"

#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "dns/rrtype.hpp"

namespace mxkit::checks {

namespace {

struct MxRecord {
  std::uint16_t preference = 0;
  dns::Name exchange;
};

// The MX RRset of the plan's first lookup (the MX query), as published.
std::vector<MxRecord> published_mx(const routing::DeliveryPlan& plan) {
  std::vector<MxRecord> out;
  for (const auto& step : plan.steps) {
    if (step.request.type != dns::rrtype::MX) continue;
    for (const auto& r : step.result.records) {
      if (r.type != dns::rrtype::MX || r.rdata.size() < 3) continue;
      const auto preference = static_cast<std::uint16_t>((r.rdata[0] << 8) | r.rdata[1]);
      out.push_back({preference, dns::Name::from_wire(std::span(r.rdata).subspan(2))});
    }
    break;
  }
  return out;
}

bool in_v4(const routing::Address& a, std::uint8_t b0, std::uint8_t b1, int bits) {
  const std::uint32_t value = (std::uint32_t{a.octets[0]} << 24) |
                              (std::uint32_t{a.octets[1]} << 16) |
                              (std::uint32_t{a.octets[2]} << 8) | a.octets[3];
  const std::uint32_t net = (std::uint32_t{b0} << 24) | (std::uint32_t{b1} << 16);
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (value & mask) == (net & mask);
}

// The /24 (IPv4) or /48 (IPv6) an address lies in, as text: "127.0.1.0/24".
std::string network_of(const routing::Address& a) {
  if (a.family == routing::Address::Family::V4)
    return fmt::format("{}.{}.{}.0/24", a.octets[0], a.octets[1], a.octets[2]);
  return fmt::format("{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}::/48", a.octets[0], a.octets[1],
                     a.octets[2], a.octets[3], a.octets[4], a.octets[5]);
}

}  // namespace

bool is_public_address(const routing::Address& a) {
  if (a.family == routing::Address::Family::V4) {
    const auto c = [&](int b0, int b1, int bits) {
      return in_v4(a, static_cast<std::uint8_t>(b0), static_cast<std::uint8_t>(b1), bits);
    };
    const bool special =
        c(0, 0, 8) || c(10, 0, 8) || c(100, 64, 10) || c(127, 0, 8) || c(169, 254, 16) ||
        c(172, 16, 12) || c(192, 168, 16) || c(198, 18, 15) || c(224, 0, 4) || c(240, 0, 4) ||
        (a.octets[0] == 192 && a.octets[1] == 0 && (a.octets[2] == 0 || a.octets[2] == 2)) ||
        (a.octets[0] == 198 && a.octets[1] == 51 && a.octets[2] == 100) ||
        (a.octets[0] == 203 && a.octets[1] == 0 && a.octets[2] == 113);
    return !special;
  }
  const auto& o = a.octets;
  bool zero_prefix = true;  // ::, ::1, ::ffff:0:0/96 and the other IPv4-embedding forms
  for (int i = 0; i < 10; ++i) zero_prefix = zero_prefix && o[static_cast<std::size_t>(i)] == 0;
  if (zero_prefix) return false;
  if ((o[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (o[0] == 0xfe && (o[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (o[0] == 0xff) return false;                           // multicast
  if (o[0] == 0x20 && o[1] == 0x01 && o[2] == 0x0d && o[3] == 0xb8) return false;  // 2001:db8::/32
  return true;
}

std::vector<Finding> check_mx(const routing::DeliveryPlan& plan) {
  std::vector<Finding> out;
  const std::string domain = plan.domain.to_text();
  using routing::Outcome;
  if (plan.outcome == Outcome::NxDomain) {
    out.push_back(make_finding("domain-nxdomain", domain, plan.reason));
    return out;
  }
  if (plan.outcome == Outcome::TemporaryFailure && plan.targets.empty()) {
    out.push_back(make_finding("mx-lookup-failed", domain, plan.reason));
    return out;
  }
  const auto records = published_mx(plan);
  // RFC 7505 §3: a null MX is the only MX record, at preference 0.
  bool null_seen = false;
  for (const auto& r : records) {
    if (!r.exchange.is_root()) continue;
    null_seen = true;
    if (records.size() > 1)
      out.push_back(make_finding("null-mx-mixed", domain,
                                 fmt::format("a null MX (\".\") beside {} other MX record{}",
                                             records.size() - 1, records.size() == 2 ? "" : "s")));
    if (r.preference != 0)
      out.push_back(
          make_finding("null-mx-preference", domain,
                       fmt::format("the null MX has preference {}, not 0", r.preference)));
  }
  if (null_seen && records.size() == 1) {
    out.push_back(
        make_finding("null-mx", domain, "the domain publishes a null MX: it takes no mail"));
    return out;
  }
  if (plan.implicit_mx) {
    if (plan.targets.empty())
      out.push_back(make_finding(
          "mx-missing", domain, "no MX records and no A/AAAA address: mail to the domain bounces"));
    else
      out.push_back(make_finding(
          "mx-implicit", domain,
          "no MX records: mail goes to the domain's own address (implicit MX, RFC 5321 §5.1)"));
  }
  // Duplicates: one exchange named twice.
  std::map<std::string, int> named;
  for (const auto& r : records)
    if (!r.exchange.is_root() && ++named[r.exchange.to_text()] == 2)
      out.push_back(make_finding(
          "mx-duplicate", r.exchange.to_text(),
          fmt::format("{} is named by more than one MX record", r.exchange.to_text())));
  // Per target: IP literal, alias, addresses.
  std::set<std::string> addresses, networks;
  std::size_t usable = 0;
  for (const auto& t : plan.targets) {
    const std::string name = t.exchange.to_text();
    if (t.ip_literal)
      out.push_back(
          make_finding("target-is-ip-literal", name,
                       fmt::format("the MX target {} is an IP address, not a host name", name)));
    if (t.canonical && !(*t.canonical == t.exchange) && !plan.implicit_mx)
      out.push_back(make_finding(
          "target-is-alias", name,
          fmt::format("the MX target {} is a CNAME to {}", name, t.canonical->to_text())));
    if (!t.addresses.empty()) ++usable;
    for (const auto& a : t.addresses) {
      addresses.insert(a.to_text());
      networks.insert(network_of(a));
      if (!is_public_address(a))
        out.push_back(
            make_finding("mx-address-not-public", fmt::format("{} {}", name, a.to_text()),
                         fmt::format("{} has the address {}, not reachable from the internet", name,
                                     a.to_text())));
    }
  }
  for (const auto& s : plan.skipped) {
    const std::string name = s.exchange.to_text();
    if (s.reason.find("temporary") != std::string::npos) {
      out.push_back(make_finding(
          "target-no-address", name,
          fmt::format("the addresses of {} could not be looked up: {}", name, s.reason),
          Severity::warning));
    } else if (s.reason.find("(--self)") == std::string::npos) {
      out.push_back(
          make_finding("target-no-address", name,
                       fmt::format("the MX target {} has no address: {}", name, s.reason)));
    }
  }
  if (plan.implicit_mx) return out;
  if (named.size() == 1 && !null_seen)
    out.push_back(make_finding(
        "single-mx", domain,
        fmt::format("one mail exchanger ({}): no backup when it is down", named.begin()->first)));
  if (usable > 1 && addresses.size() == 1)
    out.push_back(make_finding(
        "mx-same-network", domain,
        fmt::format("all {} mail exchangers share the address {}", usable, *addresses.begin())));
  else if (usable > 1 && networks.size() == 1)
    out.push_back(
        make_finding("mx-same-network", domain,
                     fmt::format("all {} mail exchangers are in {}", usable, *networks.begin())));
  return out;
}

}  // namespace mxkit::checks
