// The SMTP courier (RFC 5321 §5.1 and §4.2): a plan's addresses tried in order until one takes
// the transaction; each recipient's outcome a value, each attempt one log line.
#include "delivery/smtp_courier.hpp"

#include <cstdio>
#include <set>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "delivery/connection_cache.hpp"

namespace mxkit::delivery {

std::string_view status_name(RecipientOutcome::Status status) {
  switch (status) {
    case RecipientOutcome::Status::Sent: return "sent";
    case RecipientOutcome::Status::Deferred: return "deferred";
    case RecipientOutcome::Status::Bounced: return "bounced";
  }
  return "deferred";
}

struct SmtpCourier::State {
  State(asio::any_io_executor ex, resolver::Resolver& r, CourierOptions o, std::uint64_t seed)
      : executor(std::move(ex)),
        resolver(r),
        options(std::move(o)),
        rng(seed),
        total(options.total_limit),
        dead(options.dead_host_memory),
        cache(options.connection_idle, options.connection_reuse_limit) {}

  void log(std::string_view line) const {
    if (options.log) {
      options.log(line);
    } else {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }

  asio::any_io_executor executor;
  resolver::Resolver& resolver;
  CourierOptions options;
  std::mt19937_64 rng;
  Gate total;
  std::map<std::string, std::unique_ptr<Gate>> per_destination;
  std::map<std::string, std::unique_ptr<Gate>> planning;  // a domain's first plan in progress
  std::set<std::string> planned;                          // domains planned at least once
  DeadHosts dead;
  ConnectionCache cache;
  Stats stats;
  bool sweeping = false;
};

namespace {

class Hold {  // releases a gate slot when the delivery ends, however it ends
 public:
  explicit Hold(Gate* gate) : gate_(gate) {}
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  ~Hold() { release(); }
  void release() {
    if (gate_) gate_->release();
    gate_ = nullptr;
  }

 private:
  Gate* gate_;
};

std::string hop_key(const Hop& hop) {
  return hop.address.is_v6() ? fmt::format("[{}]:{}", hop.address.to_string(), hop.port)
                             : fmt::format("{}:{}", hop.address.to_string(), hop.port);
}

std::string hop_relay(const Hop& hop) {
  return fmt::format("{}[{}]:{}", hop.name, hop.address.to_string(), hop.port);
}

std::string dsn_of(const smtp::Reply& reply) {
  if (!reply.enhanced.empty()) return reply.enhanced;
  return reply.positive() ? "2.0.0" : reply.permanent() ? "5.0.0" : "4.0.0";
}

// Closes connections with QUIT in the background.
void quit_later(asio::any_io_executor executor, std::unique_ptr<SmtpConnection> c) {
  if (!c) return;
  asio::co_spawn(
      executor, [c = std::move(c)]() mutable -> asio::awaitable<void> { co_await c->quit(); },
      asio::detached);
}

// Closes cached connections once idle past the limit, while the cache holds any.
asio::awaitable<void> sweep(std::shared_ptr<SmtpCourier::State> s) {
  asio::steady_timer timer(s->executor);
  while (s->cache.size() > 0) {
    timer.expires_after(s->options.connection_idle / 2 + std::chrono::milliseconds(1));
    (void)co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    for (auto& c : s->cache.expire(SteadyClock::now())) quit_later(s->executor, std::move(c));
  }
  s->sweeping = false;
}

}  // namespace

SmtpCourier::SmtpCourier(asio::any_io_executor executor, resolver::Resolver& resolver,
                         CourierOptions options, std::uint64_t seed)
    : state_(std::make_shared<State>(std::move(executor), resolver, std::move(options), seed)) {}

SmtpCourier::~SmtpCourier() = default;

SmtpCourier::Stats SmtpCourier::stats() const { return state_->stats; }

asio::awaitable<void> SmtpCourier::close_idle() {
  for (auto& c : state_->cache.take_all()) co_await c->quit();
}

asio::awaitable<std::vector<RecipientOutcome>> SmtpCourier::deliver(DeliveryRequest request) {
  auto s = state_;  // alive until this delivery ends
  const std::size_t n = request.recipients.size();
  std::vector<RecipientOutcome> out(n);

  // The destination's slot first: waiting for it must not hold one of the total slots.
  auto& slot = s->per_destination[request.domain];
  if (!slot) slot = std::make_unique<Gate>(s->options.per_destination_limit);
  Gate* destination = slot.get();
  co_await destination->acquire();
  Hold destination_hold(destination);
  co_await s->total.acquire();
  Hold total_hold(&s->total);

  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::system_clock::now() - request.arrival)
        .count();
  };
  const auto finish = [&] {
    if (!s->options.log_outcomes) return;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& o = out[i];
      // Postfix's form: "status=bounced (host X said: 550 ... (in reply to RCPT))".
      const std::string why =
          !o.remote || o.status == RecipientOutcome::Status::Sent
              ? o.reply
              : fmt::format("host {} said: {} (in reply to {})", o.relay, o.reply, o.stage);
      s->log(fmt::format("{}: to=<{}>, relay={}, delay={:.2f}, dsn={}, status={} ({})",
                         request.queue_id, request.recipients[i], o.relay, elapsed(), o.dsn,
                         status_name(o.status), why));
    }
  };

  HopList hops;
  if (auto route = s->options.routes.find(request.domain); route != s->options.routes.end()) {
    hops = co_await relay_hops(s->resolver, route->second, s->options.routing.address_preference);
  } else if (s->options.relayhost) {
    hops = co_await relay_hops(s->resolver, *s->options.relayhost,
                               s->options.routing.address_preference);
  } else {
    // The first plan for a domain runs alone: deliveries that start meanwhile wait for it and
    // then plan from the warm cache, so a burst of mail for a new domain asks DNS once, not
    // once per message (the resolver does not merge identical queries in flight). Each still
    // makes its own plan, so equal preferences are shuffled per message (RFC 5321 §5.1).
    Gate* planning = nullptr;
    if (!s->planned.contains(request.domain)) {
      auto& gate = s->planning[request.domain];
      if (!gate) gate = std::make_unique<Gate>(1);
      planning = gate.get();
      co_await planning->acquire();
    }
    hops = co_await mx_hops(s->resolver, request.domain, s->options.routing, s->options.smtp_port,
                            s->rng);
    if (planning) {
      if (s->planned.size() >= 100000) s->planned.clear();  // a bound, not a cache
      s->planned.insert(request.domain);
      planning->release();
      if (planning->idle()) s->planning.erase(request.domain);
    }
  }
  if (hops.hops.empty()) {
    const bool permanent = !hops.verdict_dsn.empty() && hops.verdict_dsn[0] == '5';
    for (auto& o : out) {
      o.status = permanent ? RecipientOutcome::Status::Bounced : RecipientOutcome::Status::Deferred;
      o.dsn = hops.verdict_dsn.empty() ? "4.4.3" : hops.verdict_dsn;
      o.reply = hops.verdict_text;
      o.relay = "none";
    }
    destination_hold.release();
    if (destination->idle()) s->per_destination.erase(request.domain);
    finish();
    co_return out;
  }

  std::string last_error = "no address could be tried";
  std::string last_dsn = "4.4.1";
  std::string last_relay = "none";
  std::size_t tried = 0;
  bool settled = false;
  bool retry_fresh = false;  // a cached connection was found closed: once more, on a new one
  for (std::size_t h = 0; h < hops.hops.size() && !settled;) {
    const Hop& hop = hops.hops[h];
    const std::string key = hop_key(hop);
    const std::string relay = hop_relay(hop);
    const auto now = SteadyClock::now();
    std::unique_ptr<SmtpConnection> connection;
    if (!retry_fresh) connection = s->cache.take(key, now);
    retry_fresh = false;
    const bool reused = connection != nullptr;
    if (!connection) {
      if (tried >= s->options.max_addresses) break;
      // Dead-host memory: an address that refused or timed out lately is not tried again
      // for a while, so a queue full of mail for a down host opens no connections to it.
      if (const std::string* why = s->dead.dead(key, now)) {
        ++s->stats.dead_skips;
        last_error = "delivery temporarily suspended: " + *why;
        last_relay = relay;
        ++h;
        continue;
      }
      ++tried;
      ++s->stats.connections;
      auto opened =
          co_await SmtpConnection::open(s->executor, asio::ip::tcp::endpoint(hop.address, hop.port),
                                        hop.name, s->options.connection);
      if (!opened && opened.error().kind == ConnectFailure::Kind::Tls) {
        // Opportunistic TLS (RFC 7435; Postfix's "may"): a failed handshake is retried in
        // plaintext rather than holding the mail back.
        s->log(fmt::format("{}: {}; retrying without STARTTLS", request.queue_id,
                           opened.error().message));
        auto plain = s->options.connection;
        plain.client.try_starttls = false;
        opened = co_await SmtpConnection::open(
            s->executor, asio::ip::tcp::endpoint(hop.address, hop.port), hop.name, plain);
      }
      if (!opened) {
        const auto& f = opened.error();
        s->log(fmt::format("{}: {}", request.queue_id, f.message));
        last_error = f.message;
        last_relay = relay;
        last_dsn = f.kind == ConnectFailure::Kind::Protocol ? "4.4.2" : "4.4.1";
        if (f.kind == ConnectFailure::Kind::Refused || f.kind == ConnectFailure::Kind::Timeout)
          s->dead.mark(key, f.message, now);
        ++h;  // RFC 5321 §5.1: on to the next address
        continue;
      }
      connection = std::move(*opened);
    } else {
      ++s->stats.reused;
    }

    smtp::Transaction t;
    t.sender = request.sender;
    t.recipients = request.recipients;
    t.content = request.content;
    t.body_8bit = request.body_8bit;
    t.smtputf8 = request.smtputf8;
    // A new connection's transcript starts at its greeting; a reused one's at this MAIL.
    const std::size_t transcript_from = reused ? connection->transcript().size() : 0;
    auto outcome = co_await connection->deliver(std::move(t));
    if (s->options.log_transcript) {
      const auto& lines = connection->transcript();
      for (std::size_t i = transcript_from; i < lines.size(); ++i)
        s->log(fmt::format("{}: {} {}", request.queue_id, relay, lines[i]));
    }
    const auto& failure = outcome.failure;
    const bool before_data = failure && (failure->stage == "MAIL" || failure->stage == "RSET");
    if (reused && failure && !failure->reply && before_data) {
      retry_fresh = true;  // the server closed the idle connection meanwhile
      continue;
    }
    if (before_data && failure->kind == smtp::SessionFailure::Kind::Transient) {
      // A 4xx to MAIL: this server does not take the message now; try the next one.
      s->log(fmt::format("{}: host {} said: {} (in reply to MAIL FROM)", request.queue_id, relay,
                         failure->message));
      last_error = fmt::format("host {} said: {}", relay, failure->message);
      last_dsn = failure->reply ? dsn_of(*failure->reply) : "4.4.2";
      last_relay = relay;
      quit_later(s->executor, std::move(connection));
      ++h;
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = outcome.results[i];
      auto& o = out[i];
      o.status = r.kind == smtp::RecipientResult::Kind::Delivered ? RecipientOutcome::Status::Sent
                 : r.kind == smtp::RecipientResult::Kind::Permanent
                     ? RecipientOutcome::Status::Bounced
                     : RecipientOutcome::Status::Deferred;
      o.dsn = dsn_of(r.reply);
      o.reply = r.reply.summary();
      o.stage = r.stage;
      o.relay = relay;
      o.remote = !r.local;
    }
    settled = true;
    s->dead.revive(key);
    if (connection->usable()) {
      quit_later(s->executor, s->cache.put(key, std::move(connection), SteadyClock::now()));
      if (!s->sweeping && s->cache.size() > 0) {
        s->sweeping = true;
        asio::co_spawn(s->executor, sweep(s), asio::detached);
      }
    }
  }
  if (!settled) {
    for (auto& o : out) {
      o.status = RecipientOutcome::Status::Deferred;
      o.dsn = last_dsn;
      o.reply = last_error;
      o.relay = last_relay;
    }
  }
  destination_hold.release();
  if (destination->idle()) s->per_destination.erase(request.domain);
  finish();
  co_return out;
}

}  // namespace mxkit::delivery
