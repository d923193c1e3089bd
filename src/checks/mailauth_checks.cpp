// SPF, DMARC and DKIM facts and findings (see mailauth_checks.hpp).
#include "checks/mailauth_checks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "checks/parallel.hpp"
#include "dns/rrtype.hpp"
#include "mailauth/public_suffix.hpp"
#include "mailauth/resolver_lookup.hpp"
#include "mailauth/spf_record.hpp"

namespace mxkit::checks {

namespace {

using mailauth::DnsStatus;

const mailauth::PublicSuffixList& suffixes() {
  // The Debian list when installed; without it every domain is its own organisational domain
  // below its last label (the list's "*" rule).
  static const mailauth::PublicSuffixList list = [] {
    auto loaded = mailauth::PublicSuffixList::load();
    return loaded ? std::move(*loaded) : mailauth::PublicSuffixList::from_text("");
  }();
  return list;
}

asio::awaitable<void> spf_for(mailauth::DnsLookup* dns, std::string domain, std::string ip,
                              std::optional<mailauth::SpfOutcome>* out) {
  mailauth::SpfQuery q;
  q.ip = asio::ip::make_address(ip);
  q.domain = domain;
  q.sender = "postmaster@" + domain;
  q.helo = domain;
  *out = co_await mailauth::check_host(*dns, std::move(q));
}

asio::awaitable<void> mx_spf(mailauth::DnsLookup* dns, std::string domain, SpfMxOutcome* out) {
  std::optional<mailauth::SpfOutcome> outcome;
  co_await spf_for(dns, std::move(domain), out->address, &outcome);
  out->outcome = std::move(*outcome);
}

asio::awaitable<void> dkim_for(mailauth::DnsLookup* dns, std::string domain,
                               DkimSelectorFacts* out) {
  out->lookup = co_await mailauth::fetch_dkim_key(*dns, out->selector, std::move(domain));
}

asio::awaitable<void> authorization(mailauth::DnsLookup* dns, DmarcReportAuthorization* out) {
  auto name = mailauth::name_from_dotted(out->name);
  if (!name) co_return;
  auto answer = co_await dns->lookup(*name, dns::rrtype::TXT);
  for (const auto& r : answer.records)
    if (auto text = mailauth::txt_rdata_text(r.rdata); text && mailauth::is_dmarc_record(*text))
      out->authorized = true;
}

}  // namespace

const std::vector<std::string>& common_dkim_selectors() {
  static const std::vector<std::string> selectors = {
      "default", "dkim", "mail", "selector1", "selector2", "google", "k1", "s1", "s2"};
  return selectors;
}

asio::awaitable<MailAuthFacts> probe_mailauth(resolver::Resolver& resolver, std::string domain,
                                              std::vector<MxAddressRef> mx_addresses,
                                              std::vector<std::string> dkim_selectors) {
  MailAuthFacts facts;
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  facts.domain = domain;
  mailauth::ResolverLookup dns(resolver);
  for (const auto& s : dkim_selectors) facts.dkim.push_back({s, true, {}});
  for (const auto& s : common_dkim_selectors()) {
    bool given = false;
    for (const auto& d : dkim_selectors) given = given || d == s;
    if (!given) facts.dkim.push_back({s, false, {}});
  }
  for (const auto& a : mx_addresses) facts.spf_mx.push_back({a.exchange, a.address, {}});
  {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back([](mailauth::DnsLookup* d, std::string n,
                       mailauth::SpfRecordSet* out) -> asio::awaitable<void> {
      auto name = mailauth::name_from_dotted(n);
      if (name) *out = co_await mailauth::fetch_spf_records(*d, *name);
    }(&dns, domain, &facts.spf));
    tasks.push_back(spf_for(&dns, domain, "192.0.2.1", &facts.spf_probe));
    for (auto& m : facts.spf_mx) tasks.push_back(mx_spf(&dns, domain, &m));
    tasks.push_back([](mailauth::DnsLookup* d, std::string n,
                       mailauth::DmarcDiscovery* out) -> asio::awaitable<void> {
      *out = co_await mailauth::discover_dmarc(*d, n, suffixes());
    }(&dns, domain, &facts.dmarc));
    for (auto& k : facts.dkim) tasks.push_back(dkim_for(&dns, domain, &k));
    co_await run_parallel(std::move(tasks));
  }
  // RFC 7489 §7.1: report URIs in another organisational domain need its consent.
  if (facts.dmarc.record) {
    for (const auto* list :
         {&facts.dmarc.record->aggregate_reports, &facts.dmarc.record->failure_reports})
      for (const auto& uri : *list) {
        if (uri.domain.empty()) continue;
        if (auto name = mailauth::report_authorization_name(facts.dmarc.policy_domain, uri.domain,
                                                            suffixes()))
          facts.report_authorizations.push_back({uri.uri, *name, false});
      }
    std::vector<asio::awaitable<void>> tasks;
    for (auto& a : facts.report_authorizations) tasks.push_back(authorization(&dns, &a));
    co_await run_parallel(std::move(tasks));
  }
  co_return facts;
}

std::vector<Finding> check_spf(const MailAuthFacts& f) {
  std::vector<Finding> out;
  const std::string& d = f.domain;
  if (f.spf.status == DnsStatus::TempFail) return out;  // the DNS areas say why
  if (f.spf.records.empty()) {
    out.push_back(
        make_finding("spf-missing", d, fmt::format("{} publishes no v=spf1 TXT record", d)));
    return out;
  }
  if (f.spf.records.size() > 1) {
    out.push_back(make_finding("spf-multiple", d,
                               fmt::format("{} SPF records: \"{}\"", f.spf.records.size(),
                                           fmt::join(f.spf.records, "\", \""))));
    return out;
  }
  const std::string& text = f.spf.records.front();
  auto record = mailauth::parse_spf_record(text);
  if (!record) {
    out.push_back(make_finding("spf-syntax", d,
                               fmt::format("\"{}\" at position {}: {}", text,
                                           record.error().position, record.error().message)));
    return out;
  }
  for (const auto& m : record->mechanisms) {
    if (m.kind == mailauth::SpfMechanismKind::All && m.qualifier == mailauth::SpfQualifier::Pass)
      out.push_back(make_finding("spf-pass-all", d,
                                 fmt::format("\"{}\" passes mail from every host", m.text)));
    if (m.kind == mailauth::SpfMechanismKind::Ptr)
      out.push_back(
          make_finding("spf-ptr", d, fmt::format("\"{}\" uses the ptr mechanism", m.text)));
  }
  if (f.spf_probe) {
    const auto& p = *f.spf_probe;
    const std::string chain = fmt::format("{}", fmt::join(p.chain, " → "));
    if (p.lookup_limit_exceeded)
      out.push_back(make_finding(
          "spf-too-many-lookups", d,
          fmt::format("more than 10 DNS-querying terms along {} ({})", chain, p.reason)));
    if (p.void_limit_exceeded)
      out.push_back(
          make_finding("spf-void-lookups", d,
                       fmt::format("{} lookups found nothing along {} (at most 2 allowed)",
                                   p.void_lookups, chain)));
    else if (p.syntax_error)
      out.push_back(make_finding(
          "spf-syntax", d,
          fmt::format("\"{}\" (reached through {}) at position {}: {}", p.syntax_error_record,
                      chain, p.syntax_error->position, p.syntax_error->message)));
  }
  for (const auto& m : f.spf_mx) {
    const auto result = m.outcome.result;
    if (result == mailauth::SpfResult::Pass || result == mailauth::SpfResult::TempError) continue;
    out.push_back(make_finding("spf-mx-not-authorized", fmt::format("{} {}", m.exchange, m.address),
                               fmt::format("SPF of {} gives {} for its own MX address {}", d,
                                           mailauth::spf_result_name(result), m.address)));
  }
  return out;
}

std::vector<Finding> check_dmarc(const MailAuthFacts& f) {
  std::vector<Finding> out;
  const auto& x = f.dmarc;
  const std::string subject = x.record_name.empty() ? "_dmarc." + f.domain : x.record_name;
  if (x.status == DnsStatus::TempFail) return out;
  if (x.records.empty()) {
    out.push_back(make_finding("dmarc-missing", f.domain,
                               fmt::format("no DMARC record at _dmarc.{} (asked: {})", f.domain,
                                           fmt::join(x.queried, ", "))));
    return out;
  }
  if (x.records.size() > 1) {
    out.push_back(make_finding("dmarc-multiple", subject,
                               fmt::format("{} DMARC records at {}", x.records.size(), subject)));
    return out;
  }
  if (x.error) {
    out.push_back(make_finding("dmarc-syntax", subject,
                               fmt::format("\"{}\" at position {}: {}", x.records.front(),
                                           x.error->position, x.error->message)));
    return out;
  }
  if (x.record && x.record->policy == mailauth::DmarcPolicy::None)
    out.push_back(make_finding("dmarc-policy-none", subject,
                               "p=none: receivers report but do not act on failing mail"));
  for (const auto& a : f.report_authorizations)
    if (!a.authorized)
      out.push_back(make_finding("dmarc-report-uri-unauthorized", subject,
                                 fmt::format("{} is in another organisational domain and {} has no "
                                             "v=DMARC1 record: receivers will not send reports",
                                             a.uri, a.name)));
  return out;
}

std::vector<Finding> check_dkim(const MailAuthFacts& f) {
  std::vector<Finding> out;
  bool any_found = false;
  std::vector<std::string> common_asked;
  for (const auto& k : f.dkim) {
    const auto& l = k.lookup;
    if (l.records.empty()) {
      if (k.requested && l.status != DnsStatus::TempFail)
        out.push_back(make_finding(
            "dkim-key-missing", l.name,
            fmt::format("no DKIM key at {} ({})", l.name, mailauth::dns_status_name(l.status)),
            Severity::warning));
      if (!k.requested) common_asked.push_back(k.selector);
      continue;
    }
    any_found = true;
    if (l.error) {
      out.push_back(make_finding("dkim-syntax", l.name,
                                 fmt::format("\"{}\" at position {}: {}", l.records.front(),
                                             l.error->position, l.error->message)));
      continue;
    }
    if (!l.key) continue;
    if (l.key->revoked) {
      out.push_back(make_finding("dkim-key-revoked", l.name, "the key is revoked (empty p=)"));
      continue;
    }
    if (l.key->key_type == mailauth::DkimKeyType::Rsa && l.key->key_bits > 0 &&
        l.key->key_bits < 2048)
      out.push_back(make_finding("dkim-key-weak", l.name,
                                 fmt::format("an RSA key of {} bits", l.key->key_bits),
                                 l.key->key_bits < 1024 ? Severity::error : Severity::warning));
  }
  if (!any_found && !common_asked.empty() &&
      std::none_of(f.dkim.begin(), f.dkim.end(), [](const auto& k) { return k.requested; }))
    out.push_back(make_finding("dkim-key-missing", f.domain,
                               fmt::format("no DKIM key at the common selectors ({}); give "
                                           "--dkim-selector for the one your signer uses",
                                           fmt::join(common_asked, ", "))));
  return out;
}

}  // namespace mxkit::checks
