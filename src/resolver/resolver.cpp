// Resolver: the coroutine driver. It asks the cache, then sends what the stub loop or the
// iterative state machine says to send and hands back what came; the decisions are theirs.
#include "resolver/resolver.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "resolver/address.hpp"
#include "resolver/cache.hpp"
#include "resolver/classify.hpp"
#include "resolver/iterative.hpp"
#include "resolver/query.hpp"
#include "resolver/transport.hpp"

namespace mxkit::resolver {

namespace {

using Clock = std::chrono::steady_clock;

std::string server_text(const ServerAddress& server) {
  if (server.address.is_v6())
    return fmt::format("[{}]:{}", server.address.to_string(), server.port);
  return fmt::format("{}:{}", server.address.to_string(), server.port);
}

CacheLimits cache_limits(const ResolverConfig& config) {
  CacheLimits limits;
  limits.max_ttl = config.max_ttl;
  limits.max_negative_ttl = config.max_negative_ttl;
  limits.max_bytes = config.cache_bytes;
  limits.serve_stale = config.serve_stale;
  return limits;
}

std::vector<asio::ip::address> addresses_of(const std::vector<dns::Record>& records) {
  std::vector<asio::ip::address> out;
  for (const auto& r : records)
    if (auto address = address_from_rdata(r.type, r.rdata)) out.push_back(*address);
  return out;
}

std::chrono::milliseconds time_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

std::string failure_name(ExchangeFailure failure) {
  switch (failure) {
    case ExchangeFailure::Timeout: return "timeout";
    case ExchangeFailure::Unreachable: return "unreachable";
    case ExchangeFailure::Malformed: return "malformed";
    case ExchangeFailure::Network: return "network error";
  }
  return "network error";
}

}  // namespace

struct Resolver::State {
  State(asio::any_io_executor e, ResolverConfig c)
      : executor(std::move(e)), config(std::move(c)), cache(cache_limits(config)) {}

  asio::any_io_executor executor;
  ResolverConfig config;
  Cache cache;
  ServerHealth health;
  std::size_t queries = 0;

  TraceStep step_for(const dns::Name& qname, std::uint16_t qtype, const ServerAddress& server,
                     std::string zone) {
    TraceStep step;
    step.qname = qname;
    step.qtype = qtype;
    step.server = server_text(server);
    step.zone = std::move(zone);
    return step;
  }

  static void fill_step(TraceStep& step, const tl::expected<Exchange, ExchangeError>& ex,
                        Clock::time_point sent_at) {
    if (!ex) {
      step.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at);
      step.outcome = failure_name(ex.error().failure);
      if (ex.error().failure != ExchangeFailure::Timeout)
        step.outcome = fmt::format("{}: {}", step.outcome, ex.error().message);
      return;
    }
    step.rcode = ex->reply.header.rcode;
    step.over_tcp = ex->over_tcp;
    step.elapsed = ex->elapsed;
    step.reply_size = ex->wire.size();
  }

  // Stub mode: ask the recursive servers in order, `attempts` rounds, moving on after a
  // timeout, SERVFAIL or REFUSED; follow the CNAME chain, asking again for its end when the
  // server's reply stopped short of it.
  asio::awaitable<Resolution> stub(dns::Name qname, std::uint16_t qtype, Cache::Lookup looked) {
    Resolution r;
    r.qname = qname;
    r.qtype = qtype;
    r.cnames = std::move(looked.cnames);
    dns::Name name = std::move(looked.next);
    const auto deadline = Clock::now() + config.budget;
    const ClassifyContext context{dns::Name(), false};
    for (unsigned link = 0; link <= config.max_cname; ++link) {
      // Servers that failed lately go to the back of the list.
      const auto order = health.order(config.servers, Clock::now());
      std::optional<Classified> got;
      unsigned failures = 0, timeouts = 0;
      std::string last;
      for (unsigned attempt = 0; attempt < config.attempts && !got; ++attempt)
        for (const auto& server : order) {
          if (Clock::now() >= deadline) break;
          ExchangeOptions options;
          options.timeout = std::min(config.timeout, time_left(deadline));
          auto query = make_query(name, qtype, config.recursion_desired, config.edns_udp_size);
          auto step = step_for(name, qtype, server, "");
          const auto sent_at = Clock::now();
          auto ex = co_await exchange(executor, server, query, options);
          ++queries;
          ++r.queries_sent;
          fill_step(step, ex, sent_at);
          if (!ex) {
            ++failures;
            if (ex.error().failure == ExchangeFailure::Timeout) ++timeouts;
            last = fmt::format("{}: {}", server_text(server), ex.error().message);
            health.failed(server, Clock::now(), config.server_failure_memory);
            if (config.trace) r.trace.push_back(std::move(step));
            continue;
          }
          auto c = classify_reply(ex->reply, name, qtype, context);
          step.outcome = describe(c);
          step.records = ex->reply.answer;
          if (config.trace) r.trace.push_back(std::move(step));
          if (c.kind == ReplyKind::Lame || c.kind == ReplyKind::Failure) {
            ++failures;
            last = fmt::format("{}: {}", server_text(server), c.why);
            health.failed(server, Clock::now(), config.server_failure_memory);
            continue;
          }
          got = std::move(c);
          break;
        }
      if (!got) {
        r.status = failures > 0 && timeouts == failures ? Status::Timeout : Status::ServFail;
        r.rcode = dns::rcode::SERVFAIL;
        if (failures == 0)
          r.detail = fmt::format("time budget of {} ms spent", config.budget.count());
        else if (r.status == Status::Timeout)
          r.detail = fmt::format("all {} queries to {} server{} timed out", failures,
                                 config.servers.size(), config.servers.size() == 1 ? "" : "s");
        else
          r.detail =
              fmt::format("no server answered ({} failed queries; last: {})", failures, last);
        co_return r;
      }
      cache_classified(cache, *got, qtype, false);
      for (const auto& c : got->cnames) {
        if (std::any_of(r.cnames.begin(), r.cnames.end(),
                        [&](const dns::Record& x) { return x.owner == c.owner; })) {
          r.status = Status::ServFail;
          r.rcode = dns::rcode::SERVFAIL;
          r.detail = fmt::format("CNAME loop at {}", c.owner.to_text());
          co_return r;
        }
        r.cnames.push_back(c);
      }
      if (got->kind == ReplyKind::Cname) {
        auto rest = cache.lookup(got->target, qtype, config.max_cname);
        r.cnames.insert(r.cnames.end(), rest.cnames.begin(), rest.cnames.end());
        if (r.cnames.size() > config.max_cname) break;
        if (rest.resolution) {
          r.status = rest.resolution->status;
          r.rcode = rest.resolution->rcode;
          r.records = rest.resolution->records;
          r.ttl = min_ttl(r.cnames, rest.resolution->ttl);
          co_return r;
        }
        name = rest.next;
        continue;
      }
      r.rcode = got->kind == ReplyKind::NxDomain ? dns::rcode::NXDOMAIN : dns::rcode::NOERROR;
      if (got->kind == ReplyKind::Answer) {
        r.status = Status::Answer;
        r.records = got->records;
        r.ttl = std::min(min_ttl(r.cnames, min_ttl(r.records, config.max_ttl)), config.max_ttl);
      } else {
        r.status = got->kind == ReplyKind::NxDomain ? Status::NxDomain : Status::NoData;
        r.ttl = std::min(min_ttl(r.cnames, got->negative_ttl), config.max_negative_ttl);
      }
      co_return r;
    }
    r.status = Status::ServFail;
    r.rcode = dns::rcode::SERVFAIL;
    r.detail = fmt::format("CNAME chain longer than {} links", config.max_cname);
    co_return r;
  }

  // Iterative mode: runs the state machine, sending its queries and resolving the name server
  // names it needs (nested, `depth` deep; `resolving` holds the names being resolved above,
  // so a delegation that needs itself is caught at once).
  asio::awaitable<Resolution> iterate(dns::Name qname, std::uint16_t qtype, WorkBudget& budget,
                                      unsigned depth, std::vector<dns::Name>& resolving) {
    Iteration it(qname, qtype, config, cache, health, budget, depth);
    std::vector<TraceStep> trace;
    std::size_t sent = 0;
    // Bounded: every pass sends a query (max_queries), resolves a name server name (each once,
    // max_depth deep, every nested query counted in the same budget) or finishes.
    for (;;) {
      auto action = it.next(Clock::now());
      if (std::holds_alternative<Iteration::Finished>(action)) break;
      if (auto* q = std::get_if<Iteration::Query>(&action)) {
        ExchangeOptions options;
        options.timeout = std::min(config.timeout, time_left(budget.deadline));
        auto query = make_query(q->qname, q->qtype, false, config.edns_udp_size);
        auto step = step_for(q->qname, q->qtype, q->server, q->zone.to_text());
        step.server_name = q->host;
        const auto sent_at = Clock::now();
        auto ex = co_await exchange(executor, q->server, query, options);
        ++queries;
        ++sent;
        fill_step(step, ex, sent_at);
        if (!ex) {
          it.on_failure(*q, ex.error().failure == ExchangeFailure::Timeout,
                        fmt::format("{}: {}", server_text(q->server), ex.error().message),
                        Clock::now());
        } else {
          const auto& c = it.on_reply(*q, ex->reply, Clock::now());
          step.outcome = describe(c);
          step.records = c.kind == ReplyKind::Referral ? c.ns : ex->reply.answer;
        }
        if (config.trace) trace.push_back(std::move(step));
        continue;
      }
      const auto host = std::get<Iteration::NeedAddresses>(action).host;
      if (std::find(resolving.begin(), resolving.end(), host) != resolving.end()) {
        it.on_addresses(host, {}, "delegation loop: finding its address needs its own address");
        continue;
      }
      resolving.push_back(host);
      std::vector<asio::ip::address> addresses;
      std::string detail;
      for (auto type : {dns::rrtype::A, dns::rrtype::AAAA}) {
        auto sub = co_await iterate(host, type, budget, depth + 1, resolving);
        sent += sub.queries_sent;
        for (auto& s : sub.trace) trace.push_back(std::move(s));
        if (sub.status == Status::Answer) addresses = addresses_of(sub.records);
        if (detail.empty())
          detail = sub.detail.empty() ? std::string(status_name(sub.status)) : sub.detail;
        // AAAA only for a name server that has no A; a failed A lookup would fail again.
        if (!addresses.empty() || sub.status != Status::NoData) break;
      }
      resolving.pop_back();
      it.on_addresses(host, addresses, detail);
    }
    Resolution r = std::move(it.result());
    r.queries_sent = sent;
    if (sent > 0) r.from_cache = false;
    r.trace = std::move(trace);
    co_return r;
  }
};

Resolver::Resolver(asio::any_io_executor executor, ResolverConfig config)
    : state_(std::make_unique<State>(std::move(executor), std::move(config))) {}

Resolver::~Resolver() = default;

const ResolverConfig& Resolver::config() const { return state_->config; }
std::size_t Resolver::queries_sent() const { return state_->queries; }

asio::awaitable<Resolution> Resolver::resolve(dns::Name qname, std::uint16_t qtype) {
  auto& s = *state_;
  auto looked = s.cache.lookup(qname, qtype, s.config.max_cname);
  if (looked.resolution) {
    Resolution r = std::move(*looked.resolution);
    if (s.config.trace) {
      TraceStep step;
      step.qname = qname;
      step.qtype = qtype;
      step.server = "cache";
      step.outcome = std::string(status_name(r.status));
      step.rcode = r.rcode;
      step.records = r.cnames;
      step.records.insert(step.records.end(), r.records.begin(), r.records.end());
      r.trace.push_back(std::move(step));
    }
    co_return r;
  }
  Resolution r;
  if (s.config.mode == ResolverConfig::Mode::Stub) {
    r = co_await s.stub(qname, qtype, std::move(looked));
  } else {
    WorkBudget budget{s.config.max_queries, Clock::now() + s.config.budget};
    std::vector<dns::Name> resolving;
    r = co_await s.iterate(qname, qtype, budget, 0, resolving);
  }
  // RFC 8767 §4: when every server failed, expired data (not too old) beats no answer.
  if ((r.status == Status::ServFail || r.status == Status::Timeout) && s.config.serve_stale) {
    auto stale = s.cache.lookup(qname, qtype, s.config.max_cname, true);
    if (stale.resolution) {
      Resolution old = std::move(*stale.resolution);
      old.detail = fmt::format("stale data served: {}", r.detail);
      old.queries_sent = r.queries_sent;
      old.trace = std::move(r.trace);
      old.from_cache = true;
      co_return old;
    }
  }
  co_return r;
}

}  // namespace mxkit::resolver
