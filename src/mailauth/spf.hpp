// The SPF evaluator: RFC 7208 check_host() (§4) over a DnsLookup, with the processing limits
// of §4.6.4 and a trace of every record, term and DNS lookup behind the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "dns/name.hpp"
#include "mailauth/dns_lookup.hpp"
#include "mailauth/spf_macro.hpp"
#include "mailauth/spf_record.hpp"

namespace mxkit::mailauth {

// RFC 7208 §2.6.
enum class SpfResult : std::uint8_t { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };
std::string_view spf_result_name(SpfResult result);  // "pass", "permerror", ...

struct SpfQuery {
  asio::ip::address ip;  // the SMTP client (an IPv4-mapped IPv6 address counts as IPv4)
  std::string sender;    // MAIL FROM; empty: the null reverse-path, "postmaster@HELO" is used
  std::string helo;      // HELO/EHLO name
  // The <domain> of check_host(); empty: the sender's domain, or the HELO name without one.
  std::string domain;
  std::string receiver = "unknown";  // %{r}
  std::int64_t timestamp = 0;        // %{t}; 0: now
};

// RFC 7208 §4.6.4 and §11.1; the defaults are the RFC's.
struct SpfLimits {
  unsigned dns_lookups = 10;  // include, a, mx, ptr, exists, redirect
  unsigned void_lookups = 2;  // lookups answering NXDOMAIN or no records
  unsigned mx_names = 10;     // MX records looked up per mx mechanism
  unsigned ptr_names = 10;    // PTR names validated per ptr mechanism or %{p}
};

struct SpfTraceEntry {
  enum class Kind : std::uint8_t {
    Record,  // the record evaluated at `domain`
    Term,    // a mechanism or modifier and what it did
    Lookup,  // one DNS query and its answer
    Note,    // anything else worth saying (a limit, an error)
  };
  Kind kind = Kind::Note;
  unsigned depth = 0;  // 0 for the top domain, +1 per include or redirect
  std::string domain;  // the domain whose record is being evaluated
  std::string text;    // "ip4:192.0.2.0/24 → match", "A mail.example.com → 2 records"
};
std::string_view spf_trace_kind_name(SpfTraceEntry::Kind kind);  // "record", "term", ...

struct SpfOutcome {
  SpfResult result = SpfResult::None;
  std::string domain;       // the <domain> checked
  std::string explanation;  // Fail only: from exp= (RFC 7208 §6.2) or our default
  bool explanation_from_record = false;
  std::string reason;            // one sentence: the term that decided, or the error
  std::string mechanism;         // the deciding mechanism as written; empty for the default result
  std::string mechanism_domain;  // the domain whose record held it
  std::optional<SpfSyntaxError> syntax_error;  // PermError from a record's syntax
  std::string syntax_error_record;             // that record's text
  unsigned dns_lookups = 0;                    // terms counted toward the limit of 10
  unsigned void_lookups = 0;                   // counted toward the limit of 2
  bool lookup_limit_exceeded = false;
  bool void_limit_exceeded = false;
  // The include/redirect chain, top domain first, to the record where the result was decided:
  // for a limit broken, the chain that broke it.
  std::vector<std::string> chain;
  std::vector<SpfTraceEntry> trace;
};

// The SPF records at `domain` (RFC 7208 §4.5): the TXT strings that are "v=spf1" records.
struct SpfRecordSet {
  DnsStatus status = DnsStatus::TempFail;
  std::vector<std::string> records;  // each TXT RDATA's strings joined
  std::string detail;
};
asio::awaitable<SpfRecordSet> fetch_spf_records(DnsLookup& dns, dns::Name domain);

// check_host() (RFC 7208 §4). `dns` must outlive the coroutine.
asio::awaitable<SpfOutcome> check_host(DnsLookup& dns, SpfQuery query, SpfLimits limits = {});

// Runs check_host() to the end on a private io_context: for tests and synchronous callers whose
// DnsLookup completes without I/O on another executor.
SpfOutcome check_host_blocking(DnsLookup& dns, const SpfQuery& query, const SpfLimits& limits = {});

}  // namespace mxkit::mailauth
