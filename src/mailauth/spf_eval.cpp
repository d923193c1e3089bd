// check_host() (RFC 7208 §4–§6): the evaluation of one domain's record, recursing for include
// and redirect, with the lookup limits of §4.6.4 and a trace of what it did.
#include <algorithm>
#include <ctime>
#include <utility>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "mailauth/spf.hpp"

namespace mxkit::mailauth {
namespace {

// How one domain's evaluation ended; an include keeps or drops it, a redirect passes it on.
struct Decision {
  SpfResult result = SpfResult::Neutral;
  std::string reason;
  std::string mechanism;
  std::string mechanism_domain;
  std::string explanation;
  bool explanation_from_record = false;
  std::vector<std::string> chain;
};

SpfResult qualifier_result(SpfQualifier q) {
  switch (q) {
    case SpfQualifier::Pass: return SpfResult::Pass;
    case SpfQualifier::Fail: return SpfResult::Fail;
    case SpfQualifier::SoftFail: return SpfResult::SoftFail;
    case SpfQualifier::Neutral: return SpfResult::Neutral;
  }
  return SpfResult::Neutral;
}

bool in_prefix(const asio::ip::address& ip, const std::uint8_t* network, unsigned bits) {
  std::array<std::uint8_t, 16> bytes{};
  std::size_t size = 4;
  if (ip.is_v4()) {
    const auto b = ip.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
  } else {
    const auto b = ip.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
    size = 16;
  }
  for (std::size_t i = 0; i < size && bits > 0; ++i) {
    const unsigned take = std::min(bits, 8u);
    const auto mask = static_cast<std::uint8_t>(0xff00u >> take);
    if ((bytes[i] & mask) != (network[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

// The address in an A or AAAA RDATA, when the RDATA has the right size.
std::optional<asio::ip::address> rdata_address(const dns::Record& r) {
  if (r.type == dns::rrtype::A && r.rdata.size() == 4) {
    asio::ip::address_v4::bytes_type b;
    std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
    return asio::ip::address(asio::ip::address_v4(b));
  }
  if (r.type == dns::rrtype::AAAA && r.rdata.size() == 16) {
    asio::ip::address_v6::bytes_type b;
    std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
    return asio::ip::address(asio::ip::address_v6(b));
  }
  return std::nullopt;
}

// The domain name in an MX (after the preference) or PTR RDATA.
std::optional<dns::Name> rdata_name(const dns::Record& r, std::size_t offset) {
  if (r.rdata.size() <= offset) return std::nullopt;
  const dns::WireName wire(r.rdata.data() + offset, r.rdata.size() - offset);
  if (dns::wire_name_length(wire) != wire.size()) return std::nullopt;
  return dns::Name::from_wire(wire);
}

std::string name_text(const dns::Name& name) {
  std::string text = name.to_text();
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

class Evaluator {
 public:
  Evaluator(DnsLookup& dns, SpfMacroContext context, const SpfLimits& limits, SpfOutcome& out)
      : dns_(dns), context_(std::move(context)), limits_(limits), out_(out) {}

  asio::awaitable<Decision> evaluate(std::string domain, unsigned depth);

 private:
  enum class Match : std::uint8_t { No, Yes, Error };
  struct Step {
    Match match = Match::No;
    Decision error;    // Match::Error
    std::string note;  // shown in the trace after the term
  };

  void trace(SpfTraceEntry::Kind kind, unsigned depth, std::string text) {
    out_.trace.push_back(
        {kind, depth, chain_.empty() ? std::string() : chain_.back(), std::move(text)});
  }
  Decision error(SpfResult result, std::string reason) {
    Decision d;
    d.result = result;
    d.reason = std::move(reason);
    d.chain = chain_;
    return d;
  }
  asio::awaitable<DnsAnswer> query(const dns::Name& name, std::uint16_t type, unsigned depth);
  // Counts a void answer (§4.6.4); true when that breaks the limit.
  bool void_limit_broken(const DnsAnswer& answer) {
    if (answer.status != DnsStatus::NoData && answer.status != DnsStatus::NxDomain) return false;
    return ++out_.void_lookups > limits_.void_lookups;
  }
  Decision void_error(const std::string& term) {
    out_.void_limit_exceeded = true;
    return error(SpfResult::PermError,
                 fmt::format("more than {} DNS lookups answered with no records or NXDOMAIN; the "
                             "last was for {} (RFC 7208 §4.6.4)",
                             limits_.void_lookups, term));
  }
  asio::awaitable<std::optional<dns::Name>> target(const std::string& spec,
                                                   const std::string& domain, unsigned depth,
                                                   std::string& why);
  asio::awaitable<std::vector<dns::Name>> validated_names(unsigned depth,
                                                          const std::optional<dns::Name>& within);
  asio::awaitable<std::optional<std::string>> validated_name(const std::string& domain,
                                                             unsigned depth);
  asio::awaitable<Step> run(const SpfMechanism& m, const std::string& domain, unsigned depth);
  asio::awaitable<Step> run_addresses(const SpfMechanism& m, const dns::Name& name, unsigned depth,
                                      bool count_void);
  asio::awaitable<std::optional<std::string>> explain(const SpfModifier& exp,
                                                      const std::string& domain, unsigned depth);

  DnsLookup& dns_;
  SpfMacroContext context_;
  const SpfLimits& limits_;
  SpfOutcome& out_;
  std::vector<std::string> chain_;
};

asio::awaitable<DnsAnswer> Evaluator::query(const dns::Name& name, std::uint16_t type,
                                            unsigned depth) {
  DnsAnswer answer = co_await dns_.lookup(name, type);
  std::string text = fmt::format("{} {} → {}", dns::type_to_text(type), name_text(name),
                                 dns_status_name(answer.status));
  if (answer.status == DnsStatus::Answer)
    text +=
        fmt::format(" ({} record{})", answer.records.size(), answer.records.size() == 1 ? "" : "s");
  if (!answer.detail.empty()) text += fmt::format(": {}", answer.detail);
  trace(SpfTraceEntry::Kind::Lookup, depth, std::move(text));
  co_return answer;
}

// <target-name> of a mechanism or modifier (§4.8): the domain-spec expanded and truncated
// (§7.3), or the current domain when there is none.
asio::awaitable<std::optional<dns::Name>> Evaluator::target(const std::string& spec,
                                                            const std::string& domain,
                                                            unsigned depth, std::string& why) {
  std::string text = domain;
  if (!spec.empty()) {
    SpfMacroContext context = context_;
    context.domain = domain;
    if (uses_ptr_macro(spec)) context.validated_name = co_await validated_name(domain, depth);
    auto expanded = expand_macros(spec, context, false);
    if (!expanded) {  // the parser checked the syntax already; kept for safety
      why = expanded.error().message;
      co_return std::nullopt;
    }
    text = truncate_domain(std::move(*expanded));
  }
  auto name = name_from_dotted(text);
  if (!name) {
    why = name.error().message;
    co_return std::nullopt;
  }
  co_return std::move(*name);
}

// §5.5: the PTR names of the client whose A/AAAA records hold the client's address, at most
// ptr_names of them looked at; `within`: only names at or below it are validated.
asio::awaitable<std::vector<dns::Name>> Evaluator::validated_names(
    unsigned depth, const std::optional<dns::Name>& within) {
  std::vector<dns::Name> out;
  auto reverse = name_from_dotted(reverse_name(context_.ip));
  if (!reverse) co_return out;
  auto ptr = co_await query(*reverse, dns::rrtype::PTR, depth);
  if (ptr.status != DnsStatus::Answer) co_return out;  // §5.5: a DNS error is no match
  const std::uint16_t type = context_.ip.is_v4() ? dns::rrtype::A : dns::rrtype::AAAA;
  std::size_t looked = 0;
  for (const auto& record : ptr.records) {
    if (record.type != dns::rrtype::PTR) continue;
    if (looked++ >= limits_.ptr_names) {
      trace(SpfTraceEntry::Kind::Note, depth,
            fmt::format("only the first {} PTR names are validated (RFC 7208 §4.6.4)",
                        limits_.ptr_names));
      break;
    }
    auto name = rdata_name(record, 0);
    if (!name) continue;
    if (within && !name->is_subdomain_of(*within)) continue;
    auto addresses = co_await query(*name, type, depth);
    if (addresses.status != DnsStatus::Answer) continue;
    for (const auto& a : addresses.records) {
      if (auto ip = rdata_address(a); ip && *ip == context_.ip) {
        out.push_back(*name);
        break;
      }
    }
  }
  co_return out;
}

// %{p} (§7.3): the current domain if validated, else a validated subdomain of it, else any.
asio::awaitable<std::optional<std::string>> Evaluator::validated_name(const std::string& domain,
                                                                      unsigned depth) {
  auto names = co_await validated_names(depth, std::nullopt);
  if (names.empty()) co_return std::nullopt;
  auto current = name_from_dotted(domain);
  if (current) {
    for (const auto& n : names)
      if (n == *current) co_return name_text(n);
    for (const auto& n : names)
      if (n.is_subdomain_of(*current)) co_return name_text(n);
  }
  co_return name_text(names.front());
}

asio::awaitable<Evaluator::Step> Evaluator::run_addresses(const SpfMechanism& m,
                                                          const dns::Name& name, unsigned depth,
                                                          bool count_void) {
  Step step;
  const bool v4 = context_.ip.is_v4();
  auto answer = co_await query(name, v4 ? dns::rrtype::A : dns::rrtype::AAAA, depth);
  if (answer.status == DnsStatus::TempFail) {
    step.match = Match::Error;
    step.error = error(SpfResult::TempError, fmt::format("the lookup of {} for {} failed: {}",
                                                         name_text(name), m.text, answer.detail));
    co_return step;
  }
  if (count_void && void_limit_broken(answer)) {
    step.match = Match::Error;
    step.error = void_error(m.text);
    co_return step;
  }
  for (const auto& r : answer.records) {
    auto ip = rdata_address(r);
    if (ip && ip->is_v4() == v4 &&
        in_prefix(context_.ip, v4 ? ip->to_v4().to_bytes().data() : ip->to_v6().to_bytes().data(),
                  v4 ? m.cidr4 : m.cidr6)) {
      step.match = Match::Yes;
      step.note = fmt::format("{} is in {}/{}", context_.ip.to_string(), ip->to_string(),
                              v4 ? m.cidr4 : m.cidr6);
      co_return step;
    }
  }
  co_return step;
}

asio::awaitable<Evaluator::Step> Evaluator::run(const SpfMechanism& m, const std::string& domain,
                                                unsigned depth) {
  Step step;
  const bool v4 = context_.ip.is_v4();
  std::string why;
  switch (m.kind) {
    case SpfMechanismKind::All: step.match = Match::Yes; co_return step;
    case SpfMechanismKind::Ip4:
    case SpfMechanismKind::Ip6: {
      const bool mech_v4 = m.kind == SpfMechanismKind::Ip4;
      if (mech_v4 == v4 && in_prefix(context_.ip, m.network.data(), mech_v4 ? m.cidr4 : m.cidr6))
        step.match = Match::Yes;
      co_return step;
    }
    case SpfMechanismKind::A: {
      auto name = co_await target(m.domain_spec, domain, depth, why);
      if (!name) {  // §4.8: a name that cannot exist matches nothing
        step.note = "not a valid domain name: " + why;
        co_return step;
      }
      co_return co_await run_addresses(m, *name, depth, true);
    }
    case SpfMechanismKind::Mx: {
      auto name = co_await target(m.domain_spec, domain, depth, why);
      if (!name) {
        step.note = "not a valid domain name: " + why;
        co_return step;
      }
      auto mx = co_await query(*name, dns::rrtype::MX, depth);
      if (mx.status == DnsStatus::TempFail) {
        step.match = Match::Error;
        step.error =
            error(SpfResult::TempError, fmt::format("the MX lookup of {} for {} failed: {}",
                                                    name_text(*name), m.text, mx.detail));
        co_return step;
      }
      if (void_limit_broken(mx)) {
        step.match = Match::Error;
        step.error = void_error(m.text);
        co_return step;
      }
      std::vector<dns::Name> hosts;
      for (const auto& r : mx.records) {
        if (r.type != dns::rrtype::MX) continue;
        if (auto host = rdata_name(r, 2); host && !host->is_root()) hosts.push_back(*host);
      }
      // §4.6.4: the mx mechanism looks up the addresses of at most 10 MX names.
      if (hosts.size() > limits_.mx_names) {
        step.match = Match::Error;
        step.error = error(SpfResult::PermError,
                           fmt::format("{} has {} MX records; the mx mechanism allows {} "
                                       "(RFC 7208 §4.6.4)",
                                       name_text(*name), hosts.size(), limits_.mx_names));
        co_return step;
      }
      for (const auto& host : hosts) {
        auto s = co_await run_addresses(m, host, depth, false);
        if (s.match != Match::No) co_return s;
      }
      co_return step;
    }
    case SpfMechanismKind::Ptr: {
      auto name = co_await target(m.domain_spec, domain, depth, why);
      if (!name) {
        step.note = "not a valid domain name: " + why;
        co_return step;
      }
      auto names = co_await validated_names(depth, *name);
      if (!names.empty()) {
        step.match = Match::Yes;
        step.note = fmt::format("{} is a validated name of {}", name_text(names.front()),
                                context_.ip.to_string());
      }
      co_return step;
    }
    case SpfMechanismKind::Exists: {
      auto name = co_await target(m.domain_spec, domain, depth, why);
      if (!name) {
        step.note = "not a valid domain name: " + why;
        co_return step;
      }
      // §5.7: always an A lookup, whatever the client's address family.
      auto answer = co_await query(*name, dns::rrtype::A, depth);
      if (answer.status == DnsStatus::TempFail) {
        step.match = Match::Error;
        step.error =
            error(SpfResult::TempError, fmt::format("the lookup of {} for {} failed: {}",
                                                    name_text(*name), m.text, answer.detail));
      } else if (void_limit_broken(answer)) {
        step.match = Match::Error;
        step.error = void_error(m.text);
      } else if (!answer.records.empty()) {
        step.match = Match::Yes;
      }
      co_return step;
    }
    case SpfMechanismKind::Include: {
      auto name = co_await target(m.domain_spec, domain, depth, why);
      if (!name) {
        step.match = Match::Error;
        step.error = error(SpfResult::PermError,
                           fmt::format("{}: not a valid domain name: {}", m.text, why));
        co_return step;
      }
      auto inner = co_await evaluate(name_text(*name), depth + 1);
      // §5.2: the table of include results.
      switch (inner.result) {
        case SpfResult::Pass:
          step.match = Match::Yes;
          step.note = fmt::format("{} gave pass", name_text(*name));
          break;
        case SpfResult::Fail:
        case SpfResult::SoftFail:
        case SpfResult::Neutral:
          step.note = fmt::format("{} gave {}", name_text(*name), spf_result_name(inner.result));
          break;
        case SpfResult::TempError:
        case SpfResult::PermError:
          step.match = Match::Error;
          step.error = std::move(inner);
          break;
        case SpfResult::None:
          step.match = Match::Error;
          step.error = error(SpfResult::PermError,
                             fmt::format("{}: {} has no SPF record (RFC 7208 §5.2: permerror)",
                                         m.text, name_text(*name)));
          break;
      }
      co_return step;
    }
  }
  co_return step;
}

// §6.2: the explanation string, or nullopt when any step fails (the default is used then).
asio::awaitable<std::optional<std::string>> Evaluator::explain(const SpfModifier& exp,
                                                               const std::string& domain,
                                                               unsigned depth) {
  std::string why;
  auto name = co_await target(exp.value, domain, depth, why);
  if (!name) {
    trace(SpfTraceEntry::Kind::Note, depth,
          "exp=" + exp.value + ": not a valid domain name: " + why);
    co_return std::nullopt;
  }
  auto answer = co_await query(*name, dns::rrtype::TXT, depth);
  if (answer.status != DnsStatus::Answer) co_return std::nullopt;
  if (answer.records.size() != 1) {
    trace(SpfTraceEntry::Kind::Note, depth,
          fmt::format("exp: {} TXT records, one is needed (RFC 7208 §6.2)", answer.records.size()));
    co_return std::nullopt;
  }
  auto text = txt_rdata_text(answer.records.front().rdata);
  if (!text) co_return std::nullopt;
  SpfMacroContext context = context_;
  context.domain = domain;
  if (auto e = check_macro_string(*text, true)) {
    trace(SpfTraceEntry::Kind::Note, depth,
          fmt::format("exp: the explanation is not a valid macro-string at offset {}: {}",
                      e->position, e->message));
    co_return std::nullopt;
  }
  if (uses_ptr_macro(*text)) context.validated_name = co_await validated_name(domain, depth);
  auto expanded = expand_macros(*text, context, true);
  if (!expanded) co_return std::nullopt;
  co_return std::move(*expanded);
}

asio::awaitable<Decision> Evaluator::evaluate(std::string domain, unsigned depth) {
  if (domain.size() > 1 && domain.back() == '.') domain.pop_back();
  chain_.push_back(domain);
  struct Pop {
    std::vector<std::string>& chain;
    ~Pop() { chain.pop_back(); }
  } pop{chain_};

  auto name = name_from_dotted(domain);
  if (!name)
    co_return error(SpfResult::None, fmt::format("\"{}\": {}", domain, name.error().message));
  auto set = co_await fetch_spf_records(dns_, *name);
  trace(SpfTraceEntry::Kind::Lookup, depth,
        fmt::format("TXT {} → {}{}{}", domain, dns_status_name(set.status),
                    set.status == DnsStatus::Answer
                        ? fmt::format(" ({} SPF record{})", set.records.size(),
                                      set.records.size() == 1 ? "" : "s")
                        : std::string(),
                    set.detail.empty() ? std::string() : ": " + set.detail));
  if (set.status == DnsStatus::TempFail)
    co_return error(
        SpfResult::TempError,
        fmt::format("the TXT lookup of {} failed: {} (RFC 7208 §4.4)", domain, set.detail));
  if (set.records.empty())
    co_return error(
        SpfResult::None,
        fmt::format("{} has no SPF record{}", domain,
                    set.status == DnsStatus::NxDomain ? " (the domain does not exist)" : ""));
  if (set.records.size() > 1)
    co_return error(
        SpfResult::PermError,
        fmt::format("{} has {} SPF records; RFC 7208 §4.5 allows one", domain, set.records.size()));
  const std::string& text = set.records.front();
  trace(SpfTraceEntry::Kind::Record, depth, text);
  auto record = parse_spf_record(text);
  if (!record) {
    out_.syntax_error = record.error();
    out_.syntax_error_record = text;
    co_return error(SpfResult::PermError,
                    fmt::format("syntax error in the record of {} at offset {}: {}", domain,
                                record.error().position, record.error().message));
  }
  bool has_all = false;
  for (const auto& m : record->mechanisms) {
    if (m.kind == SpfMechanismKind::All) has_all = true;
    if (m.counts_lookup() && ++out_.dns_lookups > limits_.dns_lookups) {
      out_.lookup_limit_exceeded = true;
      trace(SpfTraceEntry::Kind::Term, depth, m.text + " → over the DNS lookup limit");
      co_return error(SpfResult::PermError,
                      fmt::format("more than {} DNS-querying terms; the one over is {} in the "
                                  "record of {} (RFC 7208 §4.6.4)",
                                  limits_.dns_lookups, m.text, domain));
    }
    auto step = co_await run(m, domain, depth);
    std::string verdict = step.match == Match::Yes ? "match"
                          : step.match == Match::No
                              ? "no match"
                              : std::string(spf_result_name(step.error.result));
    if (!step.note.empty()) verdict += " (" + step.note + ")";
    trace(SpfTraceEntry::Kind::Term, depth, m.text + " → " + verdict);
    if (step.match == Match::Error) co_return std::move(step.error);
    if (step.match == Match::No) continue;
    Decision d;
    d.result = qualifier_result(m.qualifier);
    d.mechanism = m.text;
    d.mechanism_domain = domain;
    d.chain = chain_;
    d.reason = fmt::format("{} matched in the record of {}", m.text, domain);
    if (d.result == SpfResult::Fail && record->exp) {
      if (auto e = co_await explain(*record->exp, domain, depth)) {
        d.explanation = std::move(*e);
        d.explanation_from_record = true;
      }
    }
    co_return d;
  }
  // §6.1: redirect applies when no mechanism matched, and never beside an "all".
  if (record->redirect && !has_all) {
    const auto& redirect = *record->redirect;
    if (++out_.dns_lookups > limits_.dns_lookups) {
      out_.lookup_limit_exceeded = true;
      co_return error(SpfResult::PermError,
                      fmt::format("more than {} DNS-querying terms; the one over is "
                                  "redirect={} in the record of {} (RFC 7208 §4.6.4)",
                                  limits_.dns_lookups, redirect.value, domain));
    }
    std::string why;
    auto target_name = co_await target(redirect.value, domain, depth, why);
    if (!target_name)
      co_return error(SpfResult::PermError,
                      fmt::format("redirect={}: not a valid domain name: {}", redirect.value, why));
    trace(SpfTraceEntry::Kind::Term, depth,
          "redirect=" + redirect.value + " → " + name_text(*target_name));
    auto inner = co_await evaluate(name_text(*target_name), depth + 1);
    if (inner.result == SpfResult::None)
      co_return error(SpfResult::PermError,
                      fmt::format("redirect={}: {} has no SPF record (RFC 7208 §6.1: permerror)",
                                  redirect.value, name_text(*target_name)));
    co_return inner;
  }
  Decision d;
  d.result = SpfResult::Neutral;
  d.chain = chain_;
  d.reason =
      fmt::format("no mechanism matched in the record of {} (RFC 7208 §4.7: neutral)", domain);
  co_return d;
}

// §4.3: a <domain> that is malformed or not multi-label gives "none" before any lookup.
std::optional<std::string> initial_domain_problem(const std::string& domain) {
  if (domain.empty()) return "no domain to check";
  if (domain.front() == '[')
    return fmt::format("\"{}\" is an address literal, not a domain", domain);
  auto name = name_from_dotted(domain);
  if (!name) return name.error().message;
  if (name->label_count() < 2)
    return fmt::format("\"{}\" is not a multi-label domain name", domain);
  return std::nullopt;
}

}  // namespace

asio::awaitable<SpfOutcome> check_host(DnsLookup& dns, SpfQuery query, SpfLimits limits) {
  SpfOutcome out;
  SpfMacroContext context;
  context.ip = query.ip;
  // §5: an IPv4-mapped IPv6 client is an IPv4 client.
  if (query.ip.is_v6() && query.ip.to_v6().is_v4_mapped())
    context.ip = asio::ip::make_address_v4(asio::ip::v4_mapped, query.ip.to_v6());
  context.helo = query.helo;
  context.receiver = query.receiver;
  context.timestamp = query.timestamp != 0 ? query.timestamp : std::time(nullptr);
  // §4.3: the null reverse-path is "postmaster@<HELO>"; an empty local-part is "postmaster".
  std::string sender = query.sender.empty() ? "postmaster@" + query.helo : query.sender;
  const auto at = sender.rfind('@');
  context.local_part = at == std::string::npos ? std::string() : sender.substr(0, at);
  context.sender_domain = at == std::string::npos ? sender : sender.substr(at + 1);
  if (context.local_part.empty()) context.local_part = "postmaster";
  context.sender = context.local_part + "@" + context.sender_domain;
  out.domain = query.domain.empty() ? context.sender_domain : query.domain;
  context.domain = out.domain;

  if (auto problem = initial_domain_problem(out.domain)) {
    out.result = SpfResult::None;
    out.reason = *problem + " (RFC 7208 §4.3: none)";
    co_return out;
  }
  Evaluator evaluator(dns, context, limits, out);
  auto d = co_await evaluator.evaluate(out.domain, 0);
  out.result = d.result;
  out.reason = std::move(d.reason);
  out.mechanism = std::move(d.mechanism);
  out.mechanism_domain = std::move(d.mechanism_domain);
  out.chain = std::move(d.chain);
  if (out.result == SpfResult::Fail) {
    out.explanation_from_record = d.explanation_from_record;
    out.explanation = d.explanation_from_record
                          ? std::move(d.explanation)
                          : fmt::format("{} is not authorized by {} to send mail as {}",
                                        context.ip.to_string(), out.domain, context.sender);
  }
  co_return out;
}

}  // namespace mxkit::mailauth
