// Propagation: SOA asked of every authoritative server (propagation.hpp). Queries go without
// RD to each server directly, as `mxkit check` asks name servers (src/checks/ns_probe): an
// authoritative server answers from its copy with AA set (RFC 1034 §4.3.1).
#include "console/propagation.hpp"

#include <algorithm>
#include <ctime>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "checks/ns_probe.hpp"
#include "checks/parallel.hpp"
#include "checks/serial.hpp"
#include "dns/message.hpp"
#include "dns/rrtype.hpp"
#include "dns/zonecheck/record_fields.hpp"
#include "resolver/transport.hpp"

namespace mxkit::console {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

std::string now_rfc3339() {
  const std::time_t now = std::time(nullptr);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(now));
}

std::string rcode_text(std::uint16_t rcode) {
  static const char* const kNames[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                       "NXDOMAIN", "NOTIMP",  "REFUSED"};
  return rcode < std::size(kNames) ? kNames[rcode] : fmt::format("RCODE{}", rcode);
}

// The serial `server` answers for `zone`, or why none.
asio::awaitable<void> ask_soa(dns::Name zone, ServerStatus* server,
                              std::chrono::milliseconds timeout) {
  std::error_code ec;
  const auto ip = asio::ip::make_address(server->address, ec);
  if (ec) {
    server->error = "not an IP address: " + server->address;
    co_return;
  }
  dns::Message query;
  query.header.rd = false;
  query.question.push_back({zone, dns::rrtype::SOA, dns::rrclass::IN});
  resolver::ExchangeOptions options;
  options.timeout = timeout;
  auto reply = co_await resolver::exchange(co_await asio::this_coro::executor,
                                           resolver::ServerAddress{ip, server->port},
                                           std::move(query), options);
  if (!reply) {
    server->error = reply.error().message;
    co_return;
  }
  const auto& m = reply->reply;
  if (m.header.rcode != 0) {
    server->error = fmt::format("it answered {}", rcode_text(m.header.rcode));
    co_return;
  }
  for (const auto& r : m.answer)
    if (r.type == dns::rrtype::SOA && r.owner == zone)
      server->serial = dns::zonecheck::soa_serial(r.rdata);
  if (!m.header.aa || !server->serial) {
    server->error = m.header.aa ? "no SOA record in its answer"
                                : "its answer has no AA bit (not authoritative)";
    server->serial.reset();
  }
}

asio::awaitable<void> look_up(resolver::Resolver* resolver, dns::Name name,
                              std::vector<std::string>* out, std::string* error) {
  *out = co_await checks::lookup_addresses(*resolver, name, *error);
}

}  // namespace

std::vector<ServerStatus> propagation_servers(const Zone& zone, const std::vector<Record>& records,
                                              const PropagationOptions& options) {
  const std::string apex = lower(zone.name);
  std::vector<std::string> names;
  for (const auto& r : records)
    if (r.type == "NS" && lower(r.name) == apex) names.push_back(lower(r.value));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<ServerStatus> servers;
  for (const auto& name : names) {
    bool any = false;
    for (const auto& r : records)
      if ((r.type == "A" || r.type == "AAAA") && lower(r.name) == name) {
        servers.push_back({name, r.value, options.ns_port, {}, false, {}, {}});
        any = true;
      }
    if (!any) servers.push_back({name, "", options.ns_port, {}, false, {}, {}});
  }
  for (const auto& s : options.secondaries) {
    const bool known = std::any_of(servers.begin(), servers.end(), [&](const ServerStatus& x) {
      return x.address == s.host && x.port == s.port;
    });
    if (!known) servers.push_back({"secondary", s.host, s.port, {}, false, {}, {}});
  }
  return servers;
}

namespace {

// Every server of `servers` asked for the zone's SOA at once, NS names without an address looked
// up first (out-of-zone name servers); a name with several addresses adds a server per address.
asio::awaitable<void> ask_all(const PropagationOptions& options, dns::Name origin,
                              resolver::Resolver* resolver, std::vector<ServerStatus>* out) {
  auto& servers = *out;
  std::vector<std::size_t> unresolved;
  for (std::size_t i = 0; i < servers.size(); ++i)
    if (servers[i].address.empty()) unresolved.push_back(i);
  std::vector<std::vector<std::string>> found(unresolved.size());
  std::vector<std::string> errors(unresolved.size());
  if (resolver) {
    std::vector<asio::awaitable<void>> lookups;
    for (std::size_t k = 0; k < unresolved.size(); ++k)
      if (auto name = dns::Name::from_text(servers[unresolved[k]].name))
        lookups.push_back(look_up(resolver, *name, &found[k], &errors[k]));
    co_await checks::run_parallel(std::move(lookups));
  }
  std::vector<ServerStatus> looked_up;
  for (std::size_t k = 0; k < unresolved.size(); ++k) {
    auto& s = servers[unresolved[k]];
    if (found[k].empty()) {
      s.error = resolver ? fmt::format("no address for {}: {}", s.name, errors[k])
                         : fmt::format("no address for {} in the zone, and no resolver configured",
                                       s.name);
      continue;
    }
    s.address = found[k].front();
    for (std::size_t j = 1; j < found[k].size(); ++j)
      looked_up.push_back({s.name, found[k][j], s.port, {}, false, {}, {}});
  }
  servers.insert(servers.end(), looked_up.begin(), looked_up.end());
  std::vector<asio::awaitable<void>> asks;
  for (auto& s : servers)
    if (!s.address.empty() && s.error.empty()) asks.push_back(ask_soa(origin, &s, options.timeout));
  co_await checks::run_parallel(std::move(asks));
}

}  // namespace

// One thread for the watches of every zone: an io_context kept running by its work guard.
struct PropagationTracker::Watcher {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~Watcher() {
    io.stop();
    thread.join();
  }
};

PropagationTracker::PropagationTracker(PropagationOptions options) : options_(std::move(options)) {}

PropagationTracker::~PropagationTracker() {
  std::unique_ptr<Watcher> watcher;
  {
    std::lock_guard lock(mutex_);
    watcher = std::move(watcher_);
  }
  watcher.reset();  // stops and joins before the members the watches use go
}

std::vector<ServerStatus> PropagationTracker::probe(const Zone& zone,
                                                    const std::vector<Record>& records) {
  auto servers = propagation_servers(zone, records, options_);
  auto origin = dns::Name::from_text(zone.name);
  if (!origin) {
    for (auto& s : servers) s.error = origin.error().message;
    return servers;
  }
  asio::io_context io(1);
  std::optional<resolver::Resolver> resolver;
  if (options_.resolver) resolver.emplace(io.get_executor(), *options_.resolver);
  asio::co_spawn(io, ask_all(options_, *origin, resolver ? &*resolver : nullptr, &servers),
                 asio::detached);
  io.run();
  remember(zone, servers);
  return servers;
}

bool PropagationTracker::remember(const Zone& zone, std::vector<ServerStatus>& servers) {
  const std::string now = now_rfc3339();
  bool all = true;
  std::lock_guard lock(mutex_);
  for (auto& s : servers) {
    if (s.serial) {
      const auto order = checks::compare_serials(*s.serial, zone.serial);
      s.caught_up = order == checks::SerialOrder::equal || order == checks::SerialOrder::greater;
    }
    if (s.address.empty()) continue;
    all = all && s.caught_up;
    const std::string key = fmt::format("{} {} {}", lower(zone.name), s.address, s.port);
    auto it = caught_up_.find(key);
    if (!s.caught_up) {
      if (it != caught_up_.end() && it->second.serial != zone.serial) caught_up_.erase(it);
      continue;
    }
    if (it == caught_up_.end() || it->second.serial != zone.serial)
      it = caught_up_.insert_or_assign(key, Seen{zone.serial, now}).first;
    s.caught_up_at = it->second.at;
  }
  return all;
}

void PropagationTracker::watch(const Zone& zone, const std::vector<Record>& records) {
  auto origin = dns::Name::from_text(zone.name);
  if (!origin) return;
  auto servers = propagation_servers(zone, records, options_);
  std::lock_guard lock(mutex_);
  watched_[lower(zone.name)] = zone.serial;
  if (!watcher_) watcher_ = std::make_unique<Watcher>();
  asio::co_spawn(watcher_->io, watch_zone(zone, *origin, std::move(servers)), asio::detached);
}

asio::awaitable<void> PropagationTracker::watch_zone(Zone zone, dns::Name origin,
                                                     std::vector<ServerStatus> servers) {
  auto executor = co_await asio::this_coro::executor;
  std::optional<resolver::Resolver> resolver;
  if (options_.resolver) resolver.emplace(executor, *options_.resolver);
  asio::steady_timer timer(executor);
  const auto until = std::chrono::steady_clock::now() + options_.watch_for;
  const std::string key = lower(zone.name);
  for (;;) {
    {
      // A newer publish has its own watch (or the zone was published again at this serial).
      std::lock_guard lock(mutex_);
      const auto it = watched_.find(key);
      if (it == watched_.end() || it->second != zone.serial) co_return;
    }
    auto round = servers;
    co_await ask_all(options_, origin, resolver ? &*resolver : nullptr, &round);
    if (remember(zone, round)) co_return;
    if (std::chrono::steady_clock::now() + options_.poll_interval > until) co_return;
    timer.expires_after(options_.poll_interval);
    std::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

nlohmann::json PropagationTracker::status_json(const Zone& zone,
                                               const std::vector<Record>& records) {
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& s : probe(zone, records))
    servers.push_back({{"name", s.name},
                       {"address", s.address},
                       {"port", s.port},
                       {"serial", s.serial ? nlohmann::json(*s.serial) : nlohmann::json(nullptr)},
                       {"caught_up", s.caught_up},
                       {"caught_up_at", s.caught_up_at.empty() ? nlohmann::json(nullptr)
                                                               : nlohmann::json(s.caught_up_at)},
                       {"error", s.error}});
  return {{"zone", zone.name}, {"serial", zone.serial}, {"servers", servers}};
}

}  // namespace mxkit::console
