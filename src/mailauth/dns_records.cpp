// The DNS side of DMARC policy discovery (RFC 7489 §6.6.3) and DKIM key retrieval (RFC 6376
// §3.6.2): TXT lookups over a DnsLookup, their strings handed to the parsers.
#include <utility>

#include "dns/rrtype.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dmarc.hpp"

namespace mxkit::mailauth {
namespace {

struct TxtSet {
  DnsStatus status = DnsStatus::TempFail;
  std::vector<std::string> texts;
  std::string detail;
};

asio::awaitable<TxtSet> txt_strings(DnsLookup& dns, const std::string& name) {
  TxtSet set;
  auto owner = name_from_dotted(name);
  if (!owner) {  // a name that cannot exist has no records
    set.status = DnsStatus::NxDomain;
    set.detail = owner.error().message;
    co_return set;
  }
  auto answer = co_await dns.lookup(std::move(*owner), dns::rrtype::TXT);
  set.status = answer.status;
  set.detail = std::move(answer.detail);
  for (const auto& r : answer.records) {
    if (r.type != dns::rrtype::TXT) continue;
    if (auto text = txt_rdata_text(r.rdata)) set.texts.push_back(std::move(*text));
  }
  co_return set;
}

}  // namespace

asio::awaitable<DmarcDiscovery> discover_dmarc(DnsLookup& dns, std::string domain,
                                               const PublicSuffixList& suffixes) {
  while (!domain.empty() && domain.back() == '.') domain.pop_back();
  DmarcDiscovery out;
  std::vector<std::string> candidates{domain};
  const std::string organizational = suffixes.organizational_domain(domain);
  if (organizational != domain && !organizational.empty()) candidates.push_back(organizational);
  for (const auto& candidate : candidates) {
    out.policy_domain = candidate;
    out.record_name = dmarc_record_name(candidate);
    out.queried.push_back(out.record_name);
    auto set = co_await txt_strings(dns, out.record_name);
    out.status = set.status;
    out.detail = std::move(set.detail);
    out.records.clear();
    for (auto& t : set.texts)
      if (is_dmarc_record(t)) out.records.push_back(std::move(t));
    // A DNS failure is not "no record": looking further up would give a wrong policy.
    if (set.status == DnsStatus::TempFail) co_return out;
    if (!out.records.empty()) break;
  }
  if (out.records.size() == 1) {
    auto parsed = parse_dmarc_record(out.records.front());
    if (parsed) {
      out.record = std::move(*parsed);
    } else {
      out.error = parsed.error();
    }
  }
  co_return out;
}

asio::awaitable<DkimKeyLookup> fetch_dkim_key(DnsLookup& dns, std::string selector,
                                              std::string domain) {
  DkimKeyLookup out;
  out.name = dkim_key_name(selector, domain);
  auto set = co_await txt_strings(dns, out.name);
  out.status = set.status;
  out.detail = std::move(set.detail);
  out.records = std::move(set.texts);
  if (!out.records.empty()) {
    auto parsed = parse_dkim_key_record(out.records.front());
    if (parsed) {
      out.key = std::move(*parsed);
    } else {
      out.error = parsed.error();
    }
  }
  co_return out;
}

}  // namespace mxkit::mailauth
