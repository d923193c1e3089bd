// SPF names, the record lookup of RFC 7208 §4.4–§4.5, and the blocking runner.
#include "mailauth/spf.hpp"

#include <exception>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "dns/rrtype.hpp"

namespace mxkit::mailauth {

std::string_view spf_result_name(SpfResult result) {
  switch (result) {
    case SpfResult::None: return "none";
    case SpfResult::Neutral: return "neutral";
    case SpfResult::Pass: return "pass";
    case SpfResult::Fail: return "fail";
    case SpfResult::SoftFail: return "softfail";
    case SpfResult::TempError: return "temperror";
    case SpfResult::PermError: return "permerror";
  }
  return "none";
}

std::string_view spf_trace_kind_name(SpfTraceEntry::Kind kind) {
  switch (kind) {
    case SpfTraceEntry::Kind::Record: return "record";
    case SpfTraceEntry::Kind::Term: return "term";
    case SpfTraceEntry::Kind::Lookup: return "lookup";
    case SpfTraceEntry::Kind::Note: return "note";
  }
  return "note";
}

// §4.4: only TXT is asked (type SPF is gone, RFC 7208 §3.1); the strings of each RDATA are
// joined (§3.3) and the records beginning "v=spf1" kept (§4.5).
asio::awaitable<SpfRecordSet> fetch_spf_records(DnsLookup& dns, dns::Name domain) {
  auto answer = co_await dns.lookup(std::move(domain), dns::rrtype::TXT);
  SpfRecordSet set;
  set.status = answer.status;
  set.detail = std::move(answer.detail);
  for (const auto& record : answer.records) {
    if (record.type != dns::rrtype::TXT) continue;
    auto text = txt_rdata_text(record.rdata);
    if (text && is_spf_record(*text)) set.records.push_back(std::move(*text));
  }
  co_return set;
}

SpfOutcome check_host_blocking(DnsLookup& dns, const SpfQuery& query, const SpfLimits& limits) {
  asio::io_context io(1);
  SpfOutcome outcome;
  std::exception_ptr failure;
  asio::co_spawn(io, check_host(dns, query, limits), [&](std::exception_ptr e, SpfOutcome o) {
    failure = e;
    outcome = std::move(o);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return outcome;
}

}  // namespace mxkit::mailauth
