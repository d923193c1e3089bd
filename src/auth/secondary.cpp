// The secondary's refresh loop and its TCP client: SOA query, then IXFR (or AXFR) from each
// primary in turn, with every step bounded in time.
#include "auth/secondary.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <random>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <fmt/format.h>

#include "auth/transfer_in.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::auth {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kStepTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxMessages = 1'000'000;  // with the reader's record limit, bounds the loop

struct SoaTimers {
  std::uint32_t refresh = 3600, retry = 600, expire = 604800;
};

SoaTimers soa_timers(const Zone& zone) {
  SoaTimers t;
  auto rdata = zone.rdata(*zone.soa(), 0);
  std::size_t at = dns::wire_name_length(rdata);
  at += dns::wire_name_length(rdata.subspan(at));
  auto get = [&](std::size_t i) {
    const std::size_t p = at + 4 * i;
    return static_cast<std::uint32_t>(rdata[p]) << 24 |
           static_cast<std::uint32_t>(rdata[p + 1]) << 16 |
           static_cast<std::uint32_t>(rdata[p + 2]) << 8 | rdata[p + 3];
  };
  if (rdata.size() >= at + 20) {
    t.refresh = get(1);
    t.retry = get(2);
    t.expire = get(3);
  }
  return t;
}

std::chrono::seconds clamp_seconds(std::uint32_t value) {
  // At least a second, so a zone with zeros does not spin; at most a day between attempts.
  return std::chrono::seconds(std::clamp<std::uint32_t>(value, 1, 86400));
}

std::uint16_t random_id() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return static_cast<std::uint16_t>(generator());
}

std::string endpoint_text(const tcp::endpoint& e) {
  return e.address().is_v6() ? fmt::format("[{}]:{}", e.address().to_string(), e.port())
                             : fmt::format("{}:{}", e.address().to_string(), e.port());
}

}  // namespace

asio::awaitable<core::Result<void>> tcp_exchange(
    tcp::endpoint peer, std::span<const std::uint8_t> query,
    const std::function<core::Result<bool>(std::span<const std::uint8_t>)>& on_message,
    std::chrono::milliseconds timeout) {
  using asio::experimental::as_tuple;
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  asio::steady_timer timer(executor);
  timer.expires_after(timeout);
  auto connected = co_await (socket.async_connect(peer, as_tuple(asio::use_awaitable)) ||
                             timer.async_wait(as_tuple(asio::use_awaitable)));
  if (connected.index() == 1) co_return core::fail("connect timed out");
  if (auto [ec] = std::get<0>(connected); ec)
    co_return core::fail(fmt::format("connect: {}", ec.message()));

  std::array<std::uint8_t, 2> prefix = {static_cast<std::uint8_t>(query.size() >> 8),
                                        static_cast<std::uint8_t>(query.size())};
  std::array<asio::const_buffer, 2> buffers = {asio::buffer(prefix),
                                               asio::buffer(query.data(), query.size())};
  timer.expires_after(timeout);
  auto written = co_await (asio::async_write(socket, buffers, as_tuple(asio::use_awaitable)) ||
                           timer.async_wait(as_tuple(asio::use_awaitable)));
  if (written.index() == 1) co_return core::fail("sending the query timed out");
  if (auto [ec, n] = std::get<0>(written); ec)
    co_return core::fail(fmt::format("sending the query: {}", ec.message()));

  std::vector<std::uint8_t> message(65535);
  for (std::size_t count = 0; count < kMaxMessages; ++count) {
    timer.expires_after(timeout);
    auto head =
        co_await (asio::async_read(socket, asio::buffer(prefix), as_tuple(asio::use_awaitable)) ||
                  timer.async_wait(as_tuple(asio::use_awaitable)));
    if (head.index() == 1) co_return core::fail("timed out waiting for a reply");
    if (auto [ec, n] = std::get<0>(head); ec)
      co_return core::fail(ec == asio::error::eof
                               ? std::string("the connection closed before the reply ended")
                               : fmt::format("reading: {}", ec.message()));
    const std::size_t length = static_cast<std::size_t>(prefix[0] << 8 | prefix[1]);
    auto body = co_await (asio::async_read(socket, asio::buffer(message.data(), length),
                                           as_tuple(asio::use_awaitable)) ||
                          timer.async_wait(as_tuple(asio::use_awaitable)));
    if (body.index() == 1) co_return core::fail("timed out inside a reply");
    if (auto [ec, n] = std::get<0>(body); ec)
      co_return core::fail(fmt::format("the connection broke inside a reply: {}", ec.message()));
    auto done = on_message({message.data(), length});
    if (!done) co_return tl::unexpected(done.error());
    if (*done) co_return core::Result<void>{};
  }
  co_return core::fail("too many messages");
}

Secondary::Secondary(asio::io_context& io, ZoneSource source, std::shared_ptr<const Zone> initial,
                     Hooks hooks, ServerCounters& counters)
    : io_(io),
      source_(std::move(source)),
      zone_(std::move(initial)),
      hooks_(std::move(hooks)),
      counters_(counters),
      timer_(io) {
  for (const auto& p : source_.primaries)
    primaries_.emplace_back(asio::ip::make_address(p.host), p.port);
  if (zone_)
    expire_at_ = std::chrono::steady_clock::now() + clamp_seconds(soa_timers(*zone_).expire);
}

void Secondary::start() { asio::co_spawn(io_, loop(), asio::detached); }

void Secondary::notify() {
  asio::post(io_, [this] {
    notified_ = true;
    timer_.cancel();
  });
}

void Secondary::stop() {
  asio::post(io_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

bool Secondary::notify_allowed(const asio::ip::address& address) const {
  auto plain = address;
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    plain = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  if (!source_.allow_notify.empty())
    return std::any_of(source_.allow_notify.begin(), source_.allow_notify.end(),
                       [&](const AddressPrefix& p) { return p.contains(plain); });
  return std::any_of(primaries_.begin(), primaries_.end(),
                     [&](const tcp::endpoint& e) { return e.address() == plain; });
}

// RFC 1034 §4.3.5: check the primary's serial every `refresh`, every `retry` after a failure,
// and stop answering once `expire` has passed since the last good check. A NOTIFY (RFC 1996
// §4.7) starts a check at once.
asio::awaitable<void> Secondary::loop() {
  while (!stopped_) {
    notified_ = false;
    const bool ok = co_await refresh() && zone_;
    if (stopped_) break;
    const auto now = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration wait;
    if (ok) {
      const auto timers = soa_timers(*zone_);
      expire_at_ = now + clamp_seconds(timers.expire);
      wait = clamp_seconds(timers.refresh);
      first_retry_ = std::chrono::seconds(2);
    } else if (zone_) {
      if (now >= expire_at_) {
        hooks_.log(fmt::format(
            "zone {} expired: no successful refresh within its SOA expire; answering SERVFAIL",
            source_.origin.to_text()));
        zone_.reset();
        hooks_.expire();
        wait = first_retry_;
      } else {
        wait = std::min<std::chrono::steady_clock::duration>(
            clamp_seconds(soa_timers(*zone_).retry), expire_at_ - now);
      }
    } else {
      wait = first_retry_;  // nothing to serve yet: keep trying, backing off to a minute
      first_retry_ = std::min(first_retry_ * 2, std::chrono::seconds(60));
    }
    if (notified_) continue;  // a NOTIFY came during the refresh
    timer_.expires_after(wait);
    std::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<bool> Secondary::refresh() {
  const dns::WireName origin = source_.origin.wire();
  for (const auto& primary : primaries_) {
    const std::uint16_t id = random_id();
    auto query = soa_query(id, origin);
    auto verifier = sign_query(query);
    core::Result<std::uint32_t> serial = core::fail("no reply");
    auto asked = co_await tcp_exchange(
        primary, query,
        [&](std::span<const std::uint8_t> m) -> core::Result<bool> {
          if (verifier)
            if (auto v = verifier->feed(m, dns::tsig_now()); !v) return tl::unexpected(v.error());
          serial = read_soa_answer(m, id, origin);
          if (!serial) return tl::unexpected(serial.error());
          return true;
        },
        kStepTimeout);
    if (!asked) {
      hooks_.log(fmt::format("refresh of {} from {}: SOA query failed: {}",
                             source_.origin.to_text(), endpoint_text(primary),
                             asked.error().message));
      continue;
    }
    if (zone_ && !serial_newer(*serial, zone_serial(*zone_))) co_return true;  // up to date
    if (zone_) {
      auto incremental = co_await transfer(primary, dns::rrtype::IXFR);
      if (incremental) co_return true;
      hooks_.log(fmt::format("IXFR of {} from {} failed ({}); trying AXFR",
                             source_.origin.to_text(), endpoint_text(primary),
                             incremental.error().message));
    }
    auto full = co_await transfer(primary, dns::rrtype::AXFR);
    if (full) co_return true;
    hooks_.log(fmt::format(
        "AXFR of {} from {} failed: {}; still serving {}", source_.origin.to_text(),
        endpoint_text(primary), full.error().message,
        zone_ ? fmt::format("serial {}", zone_serial(*zone_)) : std::string("nothing")));
  }
  co_return false;
}

asio::awaitable<core::Result<void>> Secondary::transfer(const tcp::endpoint& primary,
                                                        std::uint16_t qtype) {
  const auto started = std::chrono::steady_clock::now();
  const std::uint16_t id = random_id();
  std::optional<std::uint32_t> current;
  dns::Record current_soa;
  if (zone_) {
    current = zone_serial(*zone_);
    current_soa = zone_soa_record(*zone_);
  }
  TransferReader reader(source_.origin, id, qtype, current);
  auto query = transfer_query(id, source_.origin.wire(), qtype, zone_ ? &current_soa : nullptr);
  auto verifier = sign_query(query);
  auto read = co_await tcp_exchange(
      primary, query,
      [&](std::span<const std::uint8_t> m) -> core::Result<bool> {
        // RFC 8945 §5.3.1: every message is checked; unsigned ones are digested with the next.
        if (verifier)
          if (auto v = verifier->feed(m, dns::tsig_now()); !v) return tl::unexpected(v.error());
        auto done = reader.feed(m);
        if (done && *done && verifier)
          if (auto last = verifier->finish(); !last) return tl::unexpected(last.error());
        return done;
      },
      kStepTimeout);
  if (!read) {
    counters_.failed_transfers_in.fetch_add(1, std::memory_order_relaxed);
    co_return tl::unexpected(read.error());
  }
  std::shared_ptr<const Zone> received;
  std::vector<ZoneDiff> changes;
  const char* kind = "AXFR";
  switch (reader.form()) {
    case TransferReader::Form::up_to_date:
    case TransferReader::Form::pending: co_return core::Result<void>{};
    case TransferReader::Form::full: {
      if (qtype == dns::rrtype::IXFR) kind = "IXFR (answered with the whole zone)";
      auto zone = zone_from_records(source_.origin, reader.zone_records());
      if (!zone) {
        counters_.failed_transfers_in.fetch_add(1, std::memory_order_relaxed);
        co_return core::fail(
            fmt::format("the zone received is not usable: {}", zone.error().message));
      }
      received = std::move(*zone);
      counters_.axfr_in.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    case TransferReader::Form::incremental: {
      kind = "IXFR";
      auto zone = apply_changes(*zone_, reader.changes());
      if (!zone) {
        counters_.failed_transfers_in.fetch_add(1, std::memory_order_relaxed);
        co_return core::fail(fmt::format("the differences do not apply: {}", zone.error().message));
      }
      received = std::move(*zone);
      changes = std::move(reader.changes());
      counters_.ixfr_in.fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  hooks_.log(
      fmt::format("transfer of {} from {}: {}, serial {} → {}, {} record{} in {} message{}, {} ms",
                  source_.origin.to_text(), endpoint_text(primary), kind,
                  current ? std::to_string(*current) : std::string("none"), zone_serial(*received),
                  reader.record_count(), reader.record_count() == 1 ? "" : "s", reader.message_count(),
                  reader.message_count() == 1 ? "" : "s", ms.count()));
  auto before = std::move(zone_);
  zone_ = received;
  if (!source_.file.empty()) write_copy(*received);
  hooks_.install(std::move(before), std::move(received), std::move(changes));
  co_return core::Result<void>{};
}

std::optional<dns::TsigVerifier> Secondary::sign_query(std::vector<std::uint8_t>& query) const {
  if (!source_.key) return std::nullopt;
  dns::TsigSigner signer(*source_.key, std::nullopt);
  query = signer.sign(query, dns::tsig_now());
  return dns::TsigVerifier(*source_.key, signer.last_mac());
}

void Secondary::write_copy(const Zone& zone) {
  auto temporary = source_.file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    auto text = zone_text(zone);
    out << "; " << source_.origin.to_text() << " as received by mxkit (secondary)\n" << text;
    if (!out.flush()) {
      hooks_.log(fmt::format("cannot write {}", temporary.string()));
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, source_.file, ec);
  if (ec) hooks_.log(fmt::format("cannot replace {}: {}", source_.file.string(), ec.message()));
}

}  // namespace mxkit::auth
