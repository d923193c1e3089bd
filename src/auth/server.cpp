// DnsServer: one io_context per worker thread, each with its own UDP sockets and TCP acceptors
// on every address (SO_REUSEPORT lets the kernel spread packets and connections over them).
#include "auth/server.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <fmt/format.h>

#include "auth/ixfr.hpp"
#include "auth/managed_zones.hpp"
#include "auth/prefetch.hpp"
#include "auth/query.hpp"
#include "auth/secondary.hpp"
#include "auth/tcp_clients.hpp"
#include "auth/tsig_gate.hpp"
#include "auth/zone_files.hpp"
#include "auth/zone_refusal.hpp"
#include "auth/zone_journals.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "net/endpoint.hpp"
#include "net/listen.hpp"
#include "dns/message.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::auth {

using asio::ip::tcp;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;

core::Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto endpoint = net::parse_endpoint(text, 53);
  if (!endpoint) return tl::unexpected(endpoint.error());
  return ListenAddress{endpoint->address.to_string(), endpoint->port};
}

namespace {

void log(const std::string& line) { core::log_line("mxkit serve", line); }

// The zone set all workers answer from. A reload replaces the pointer and bumps the generation;
// each worker keeps its own reference and swaps it when it sees a new generation, so the hot
// path costs one atomic load and every query uses exactly one zone set.
class ZoneHolder {
 public:
  void set(std::shared_ptr<const ZoneSet> zones) {
    std::lock_guard lock(mutex_);
    zones_ = std::move(zones);
    generation_.fetch_add(1, std::memory_order_release);
  }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const ZoneSet> get() const {
    std::lock_guard lock(mutex_);
    return zones_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ZoneSet> zones_;
  std::atomic<std::uint64_t> generation_{0};
};

struct Worker {
  explicit Worker(const RateLimitOptions& rate) : limiter(rate) {}
  asio::io_context io{1};
  RateLimiter limiter;  // per worker: no locks on the hot path
  std::vector<udp::socket> udp_sockets;
  std::vector<tcp::acceptor> acceptors;
  std::shared_ptr<const ZoneSet> zones;
  std::uint64_t generation = 0;
  std::uint32_t rotation = 0;
  std::size_t tcp_connections = 0;
  std::thread thread;
};

// The question's type when it is AXFR or IXFR, else 0 (read straight from the question, which
// follows the header; anything malformed goes to answer_query and gets FORMERR there).
std::uint16_t transfer_type(std::span<const std::uint8_t> wire) {
  if (wire.size() < dns::kHeaderSize + 5 || (wire[2] & 0x80)) return 0;
  std::size_t at = dns::kHeaderSize;
  while (at < wire.size() && wire[at] != 0 && wire[at] < 64) at += wire[at] + 1u;
  if (at + 3 > wire.size() - 1 || wire[at] != 0) return 0;
  auto type = static_cast<std::uint16_t>(wire[at + 1] << 8 | wire[at + 2]);
  return type == dns::rrtype::AXFR || type == dns::rrtype::IXFR ? type : 0;
}

bool is_transfer(std::span<const std::uint8_t> wire) { return transfer_type(wire) != 0; }

bool is_notify(std::span<const std::uint8_t> wire) {
  return wire.size() >= dns::kHeaderSize && !(wire[2] & 0x80) && ((wire[2] >> 3) & 0x0F) == dns::opcode::NOTIFY;
}

std::string zone_key(const dns::Name& origin) { return origin.lowercase().to_text(); }

asio::ip::address plain_address(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

asio::ip::address sockaddr_address(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
    return asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
  asio::ip::address_v6::bytes_type bytes;
  std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
  return plain_address(asio::ip::address_v6(bytes));
}

std::string client_key(const asio::ip::address& address) {
  const auto plain = plain_address(address);
  if (plain.is_v4()) {
    const auto bytes = plain.to_v4().to_bytes();
    return TcpClientLimit::client_key(bytes);
  }
  const auto bytes = plain.to_v6().to_bytes();
  return TcpClientLimit::client_key(bytes);
}

}  // namespace

// Every counter, always, in one fixed order (docs/config.md), so a line can be read by position
// or by name and two lines compared field by field. The rcodes the server answers with have a
// field each; any other rcode is counted in other_rcodes.
std::string format_counters(const ServerCounters& c) {
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  std::string rcodes;
  static constexpr std::pair<std::size_t, const char*> kNamed[] = {
      {0, "NOERROR"}, {1, "FORMERR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"},
      {4, "NOTIMP"},  {5, "REFUSED"}, {9, "NOTAUTH"},  {16, "BADVERS"}};
  std::uint64_t other = 0;
  for (std::size_t i = 0; i < std::size(c.rcodes); ++i) {
    const bool named = std::any_of(std::begin(kNamed), std::end(kNamed), [i](const auto& n) { return n.first == i; });
    if (!named) other += get(c.rcodes[i]);
  }
  for (const auto& [index, name] : kNamed) rcodes += fmt::format(" {}={}", name, get(c.rcodes[index]));
  rcodes += fmt::format(" other_rcodes={}", other);
  return fmt::format("counters: udp={} tcp={} dropped={} truncated={}{} rate_limited={} slipped={} "
                     "transfers={} ixfr_out={} refused_transfers={} axfr_in={} ixfr_in={} failed_transfers_in={} "
                     "notifies={} failed_notifies={} notifies_received={} reloads={} failed_reloads={} "
                     "tcp_client_limited={}",
                     get(c.udp_queries), get(c.tcp_queries), get(c.dropped), get(c.truncated), rcodes,
                     get(c.rate_limited), get(c.slipped), get(c.transfers), get(c.ixfr_out),
                     get(c.refused_transfers), get(c.axfr_in), get(c.ixfr_in), get(c.failed_transfers_in),
                     get(c.notifies_sent), get(c.notifies_failed), get(c.notifies_received), get(c.reloads),
                     get(c.failed_reloads), get(c.tcp_client_limited));
}

struct DnsServer::Impl {
  ServerOptions options;
  std::mutex notify_mutex;
  std::vector<std::thread> notifiers;  // joined when the server goes

  // Sends NOTIFY for `zone` to every target, off the serving threads (it blocks on replies).
  void announce(const std::shared_ptr<const Zone>& zone) {
    if (options.notify.empty()) return;
    std::lock_guard lock(notify_mutex);
    const dns::TsigKey* key = key_for(zone->origin().wire());
    notifiers.emplace_back([this, zone, key] {
      auto soa_rdata = zone->rdata(*zone->soa(), 0);
      for (const auto& target : options.notify) {
        auto sent = send_notify(target, zone->origin().wire(), soa_rdata, zone->soa()->ttl, 5,
                                std::chrono::seconds(1), key);
        if (sent) {
          counters->notifies_sent.fetch_add(1, std::memory_order_relaxed);
          log(fmt::format("NOTIFY for {} (serial {}) acknowledged by {}:{}", zone->origin().to_text(),
                          zone_serial(*zone), target.host, target.port));
        } else {
          counters->notifies_failed.fetch_add(1, std::memory_order_relaxed);
          log(sent.error().message);
        }
      }
    });
  }
  std::vector<ZoneSource> sources;
  ZoneHolder holder;
  // Made in start() and shared by the workers. Declared before them so that it outlives them:
  // a TCP session still suspended when a worker's io_context is destroyed releases its client
  // here as its frame goes.
  std::unique_ptr<TcpClientLimit> tcp_clients;
  std::vector<std::unique_ptr<Worker>> workers;
  ServerCounters* counters = nullptr;
  std::mutex reload_mutex;

  // The zone set is composed of the zones read from files and the secondaries' latest copies
  // (nullptr: unavailable, SERVFAIL); any change composes a new set and swaps it in whole.
  std::mutex state_mutex;
  LoadedZones file_load;  // the zones read from files, and the files' stamps
  std::map<std::string, std::shared_ptr<const Zone>> secondary_zones;  // by zone_key
  std::vector<std::unique_ptr<Secondary>> secondaries;
  std::unique_ptr<asio::io_context> xfr_io;  // the secondaries' timers and transfers
  std::thread xfr_thread;

  std::unique_ptr<ZoneJournals> journals;
  std::unique_ptr<ManagedZones> managed;  // set_zone's, under state_mutex (changed under reload_mutex too)
  asio::io_context control{1};  // run()'s signals, and stop()

  void compose() {  // with state_mutex held
    if (secondaries.empty() && managed->empty() && file_load.set) {  // the file zones alone: no second index of them
      holder.set(file_load.set);
      return;
    }
    auto set = std::make_shared<ZoneSet>();
    set->reserve((file_load.set ? file_load.set->size() : 0) + secondaries.size() + managed->size());
    if (file_load.set)
      for (const auto& z : file_load.set->zones()) set->add(z);
    // A zone refused with no copy to serve (--keep-going at start): SERVFAIL, as BIND answers
    // for a zone it failed to load, and never the parent's answer for names in it.
    for (const auto& refused : file_load.refused)
      if (!refused.previous_copy) set->add_unavailable(refused.origin);
    for (const auto& s : secondaries) {
      auto it = secondary_zones.find(zone_key(s->origin()));
      if (it != secondary_zones.end() && it->second) set->add(it->second);
      else set->add_unavailable(s->origin());
    }
    managed->add_to(*set);  // admit() keeps their origins apart from the others'
    holder.set(std::move(set));
  }

  std::filesystem::path journal_path(const ZoneSource& source) const {
    if (!options.journal_dir.empty()) return options.journal_dir / (source.origin.lowercase().to_text() + "jnl");
    if (source.file.empty()) return {};
    auto path = source.file;
    path += ".jnl";
    return path;
  }

  bool transfer_allowed(const asio::ip::address& peer) const {
    std::vector<std::uint8_t> address;
    auto plain = plain_address(peer);
    if (plain.is_v4()) {
      auto b = plain.to_v4().to_bytes();
      address.assign(b.begin(), b.end());
    } else {
      auto b = plain.to_v6().to_bytes();
      address.assign(b.begin(), b.end());
    }
    for (const auto& prefix : options.transfer_allow)
      if (prefix.contains(address)) return true;
    return false;
  }

  // The key a zone requires (ZoneSource::key), or nullptr.
  const dns::TsigKey* key_for(dns::WireName origin) const {
    for (const auto& source : sources)
      if (source.key && dns::names_equal(source.origin.wire(), origin)) return &*source.key;
    return nullptr;
  }

  // A transfer needs an allowed address and, when the zone names a key, a request verified
  // with that key (RFC 8945; as Knot's ACLs, both must pass). Logs why when refused.
  bool may_transfer(const Query& q, const asio::ip::address& peer, const TsigGate& gate) {
    std::string origin;
    dns::append_name_text(q.qname(), origin);
    if (!transfer_allowed(peer)) {
      log(fmt::format("refused a zone transfer of {} to {}: not in allow_transfer", origin, peer.to_string()));
      return false;
    }
    const dns::TsigKey* key = key_for(q.qname());
    if (signed_with(gate, key)) return true;
    log(fmt::format("refused a zone transfer of {} to {}: not signed with key {}", origin, peer.to_string(),
                    key->name.to_text()));
    return false;
  }

  // The reply to a verified signed request, signed (RFC 8945 §5.3); others as they are.
  static std::vector<std::uint8_t> seal(const TsigGate& gate, std::vector<std::uint8_t> reply) {
    if (gate.verdict != TsigGate::Verdict::verified || reply.empty()) return reply;
    return reply_signer(*gate.check).sign(reply, dns::tsig_now());
  }

  TsigGate check_tsig(std::span<const std::uint8_t> wire, const asio::ip::address& peer) {
    TsigGate gate = check_request_tsig(wire, options.tsig_keys, dns::tsig_now());
    if (gate.verdict == TsigGate::Verdict::rejected)
      log(fmt::format("TSIG: refused a request from {}: {}", peer.to_string(), gate.check->why));
    return gate;
  }

  // RFC 1996 §3.7, §4.7: a NOTIFY for a secondary zone from one of its primaries starts a
  // refresh at once; from anyone else it is REFUSED; for a zone we do not serve, NOTAUTH.
  std::vector<std::uint8_t> on_notify(Worker& w, std::span<const std::uint8_t> wire, const asio::ip::address& peer,
                                      const TsigGate& gate) {
    Query q;
    std::string why;
    auto parsed = parse_query(wire, q, why);
    if (parsed == QueryParse::drop) return {};
    counters->notifies_received.fetch_add(1, std::memory_order_relaxed);
    if (parsed == QueryParse::formerr) return notify_response(q.id, q.qname(), q.qtype, q.qclass, dns::rcode::FORMERR);
    for (const auto& s : secondaries) {
      if (!dns::names_equal(s->origin().wire(), q.qname())) continue;
      if (!s->notify_allowed(peer)) {
        log(fmt::format("refused a NOTIFY for {} from {}: not in allow_notify (default: the zone's primaries)",
                        s->origin().to_text(), peer.to_string()));
        return notify_response(q.id, q.qname(), q.qtype, q.qclass, dns::rcode::REFUSED);
      }
      if (!signed_with(gate, s->key())) {
        log(fmt::format("refused a NOTIFY for {} from {}: not signed with key {}", s->origin().to_text(),
                        peer.to_string(), s->key()->name.to_text()));
        return notify_response(q.id, q.qname(), q.qtype, q.qclass, dns::rcode::REFUSED);
      }
      log(fmt::format("NOTIFY for {} from {}: refreshing", s->origin().to_text(), peer.to_string()));
      s->notify();
      return notify_response(q.id, q.qname(), q.qtype, q.qclass, dns::rcode::NOERROR);
    }
    const Zone* zone = zones_for(w).find(q.qname());
    const bool ours = zone && dns::names_equal(zone->origin().wire(), q.qname());
    return notify_response(q.id, q.qname(), q.qtype, q.qclass, ours ? dns::rcode::REFUSED : dns::rcode::NOTAUTH);
  }

  // IXFR over UDP (RFC 1995 §2): answered when it fits in one datagram, else the current SOA.
  std::vector<std::uint8_t> udp_ixfr(Worker& w, std::span<const std::uint8_t> wire, const asio::ip::address& peer,
                                     const TsigGate& gate) {
    Query q;
    std::string why;
    if (parse_query(wire, q, why) != QueryParse::ok) return {};
    const ZoneSet& zones = zones_for(w);
    const Zone* zone = zones.find(q.qname());
    if (!may_transfer(q, peer, gate)) {
      counters->refused_transfers.fetch_add(1, std::memory_order_relaxed);
      return transfer_error(q, dns::rcode::REFUSED);
    }
    if (zones.unavailable(q.qname(), zone)) return transfer_error(q, dns::rcode::SERVFAIL);
    if (!zone || !dns::names_equal(zone->origin().wire(), q.qname())) return transfer_error(q, dns::rcode::NOTAUTH);
    auto client = ixfr_query_serial(wire);
    if (!client) return transfer_error(q, dns::rcode::FORMERR);
    std::size_t limit = q.has_edns ? std::clamp<std::size_t>(q.edns_payload, 512, options.answer.max_udp_payload) : 512;
    auto response = journals->ixfr(*zone, q, *client, true, limit);
    counters->transfers.fetch_add(1, std::memory_order_relaxed);
    if (response.form == IxfrForm::incremental) counters->ixfr_out.fetch_add(1, std::memory_order_relaxed);
    return std::move(response.messages.front());
  }

  const ZoneSet& zones_for(Worker& w) {
    if (w.generation != holder.generation()) {
      w.generation = holder.generation();
      w.zones = holder.get();
    }
    return *w.zones;
  }

  void count(const AnswerResult& r) {
    if (r.size == 0) {
      counters->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (r.rcode < std::size(counters->rcodes))
      counters->rcodes[r.rcode].fetch_add(1, std::memory_order_relaxed);
    if (r.truncated) counters->truncated.fetch_add(1, std::memory_order_relaxed);
  }

  // Waits until the socket is readable, then drains it without blocking, a batch at a time:
  // recvmmsg takes up to kBatch queries in one system call and sendmmsg returns their answers in
  // another, so a busy server makes two system calls per batch instead of two per query.
  static constexpr std::size_t kBatch = 32;
  static constexpr std::size_t kQueryBuffer = 4096;  // larger UDP "queries" are not queries

  asio::awaitable<void> udp_loop(Worker& w, udp::socket& socket) {
    const std::size_t answer_size = std::max<std::size_t>(512, options.answer.max_udp_payload);
    std::vector<std::uint8_t> in(kBatch * kQueryBuffer), out(kBatch * answer_size);
    std::array<sockaddr_storage, kBatch> peers{};
    std::array<iovec, kBatch> in_iov{}, out_iov{};
    std::array<mmsghdr, kBatch> in_msgs{}, out_msgs{};
    socket.non_blocking(true);
    const int fd = socket.native_handle();
    for (;;) {
      std::error_code ec;
      co_await socket.async_wait(udp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
      for (int round = 0; round < 8; ++round) {  // then yield to the other sockets of the worker
        for (std::size_t i = 0; i < kBatch; ++i) {
          in_iov[i] = {in.data() + i * kQueryBuffer, kQueryBuffer};
          in_msgs[i].msg_hdr = {};
          in_msgs[i].msg_hdr.msg_name = &peers[i];
          in_msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
          in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
          in_msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int received = ::recvmmsg(fd, in_msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (received <= 0) break;  // EAGAIN: back to waiting; other errors (ICMP) likewise
        const auto& zones = zones_for(w);
        // Start loading the zone data of every query of the batch before answering the first,
        // stage by stage, so their cache misses overlap (auth/prefetch.hpp; ~25% less CPU per
        // answer on a 100k-name zone in bench/answer_bench).
        std::array<PrefetchTicket, kBatch> tickets;
        for (int i = 0; i < received; ++i) {
          const auto& m = in_msgs[static_cast<std::size_t>(i)];
          tickets[static_cast<std::size_t>(i)] =
              prefetch_answer(zones, {static_cast<const std::uint8_t*>(m.msg_hdr.msg_iov->iov_base), m.msg_len});
        }
        for (int stage = 1; stage <= 3; ++stage)
          for (int i = 0; i < received; ++i) prefetch_answer(tickets[static_cast<std::size_t>(i)], stage);
        unsigned replies = 0;
        for (int i = 0; i < received; ++i) {
          const auto& m = in_msgs[static_cast<std::size_t>(i)];
          counters->udp_queries.fetch_add(1, std::memory_order_relaxed);
          if (m.msg_hdr.msg_flags & MSG_TRUNC) {
            counters->dropped.fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          std::uint8_t* answer = out.data() + replies * answer_size;
          const std::span<const std::uint8_t> wire(static_cast<const std::uint8_t*>(m.msg_hdr.msg_iov->iov_base), m.msg_len);
          std::size_t size = 0;
          if (may_be_signed(wire)) [[unlikely]] {
            const auto peer = sockaddr_address(peers[static_cast<std::size_t>(i)]);
            TsigGate gate = check_tsig(wire, peer);
            if (gate.verdict != TsigGate::Verdict::unsigned_request) {
              auto reply = signed_udp_reply(w, zones, wire, peer, gate);
              if (reply.empty() || reply.size() > answer_size) continue;
              std::copy(reply.begin(), reply.end(), answer);
              size = reply.size();
              out_iov[replies] = {answer, size};
              out_msgs[replies].msg_hdr = {};
              out_msgs[replies].msg_hdr.msg_name = m.msg_hdr.msg_name;
              out_msgs[replies].msg_hdr.msg_namelen = m.msg_hdr.msg_namelen;
              out_msgs[replies].msg_hdr.msg_iov = &out_iov[replies];
              out_msgs[replies].msg_hdr.msg_iovlen = 1;
              ++replies;
              continue;
            }
          }
          auto result = answer_query(zones, wire, {answer, answer_size}, false, options.answer, w.rotation++);
          // The answer function says NOTIMP to NOTIFY and to IXFR over UDP; those are rare and
          // answered here instead, so the fast path pays one comparison for them.
          if (result.rcode == dns::rcode::NOTIMP && (is_notify(wire) || transfer_type(wire) == dns::rrtype::IXFR)) {
            const auto peer = sockaddr_address(peers[static_cast<std::size_t>(i)]);
            auto reply = is_notify(wire) ? on_notify(w, wire, peer, {}) : udp_ixfr(w, wire, peer, {});
            if (reply.empty() || reply.size() > answer_size) continue;
            std::copy(reply.begin(), reply.end(), answer);
            size = reply.size();
          } else {
            count(result);
            if (result.size == 0) continue;
            size = result.size;
            if (w.limiter.enabled() && !rate_limit(w, peers[static_cast<std::size_t>(i)], answer, size, result.rcode))
              continue;
          }
          out_iov[replies] = {answer, size};
          out_msgs[replies].msg_hdr = {};
          out_msgs[replies].msg_hdr.msg_name = m.msg_hdr.msg_name;
          out_msgs[replies].msg_hdr.msg_namelen = m.msg_hdr.msg_namelen;
          out_msgs[replies].msg_hdr.msg_iov = &out_iov[replies];
          out_msgs[replies].msg_hdr.msg_iovlen = 1;
          ++replies;
        }
        // A full socket buffer drops what does not fit, as a router would: UDP gives no promise.
        for (unsigned sent = 0; sent < replies;) {
          int n = ::sendmmsg(fd, out_msgs.data() + sent, replies - sent, MSG_DONTWAIT);
          if (n <= 0) break;
          sent += static_cast<unsigned>(n);
        }
        if (static_cast<std::size_t>(received) < kBatch) break;
      }
    }
  }

  // RFC 5936: the whole zone over this connection, to addresses the allow-list names; others
  // get REFUSED, a name that is not one of our zone apexes NOTAUTH (§2.2.1). Returns false when
  // the connection must close.
  asio::awaitable<bool> transfer(Worker& w, tcp::socket& socket, std::span<const std::uint8_t> wire,
                                 const TsigGate& gate) {
    Query q;
    std::string why;
    if (parse_query(wire, q, why) != QueryParse::ok) co_return false;
    std::error_code ec;
    auto peer = plain_address(socket.remote_endpoint(ec).address());
    std::vector<std::vector<std::uint8_t>> messages;
    const ZoneSet& zones = zones_for(w);
    const Zone* zone = zones.find(q.qname());
    const auto started = std::chrono::steady_clock::now();
    if (!may_transfer(q, peer, gate)) {
      messages.push_back(transfer_error(q, dns::rcode::REFUSED));
      counters->refused_transfers.fetch_add(1, std::memory_order_relaxed);
    } else if (zones.unavailable(q.qname(), zone)) {
      messages.push_back(transfer_error(q, dns::rcode::SERVFAIL));
    } else if (!zone || !dns::names_equal(zone->origin().wire(), q.qname())) {
      messages.push_back(transfer_error(q, dns::rcode::NOTAUTH));
    } else if (q.qtype == dns::rrtype::IXFR) {
      auto client = ixfr_query_serial(wire);
      if (!client) {
        log(fmt::format("IXFR from {}: {}", peer.to_string(), client.error().message));
        messages.push_back(transfer_error(q, dns::rcode::FORMERR));
      } else {
        auto response = journals->ixfr(*zone, q, *client, false, 16384);
        messages = std::move(response.messages);
        counters->transfers.fetch_add(1, std::memory_order_relaxed);
        const char* form = "the current SOA (up to date)";
        if (response.form == IxfrForm::incremental) {
          counters->ixfr_out.fetch_add(1, std::memory_order_relaxed);
          form = "differences";
        } else if (response.form == IxfrForm::full) {
          form = "the whole zone (the journal cannot bridge the gap)";
        }
        log(fmt::format("IXFR of {} to {}: serial {} → {} as {}, {} message{}, {} ms", zone->origin().to_text(),
                        peer.to_string(), *client, zone_serial(*zone), form, messages.size(),
                        messages.size() == 1 ? "" : "s",
                        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()));
      }
    } else {
      messages = transfer_messages(*zone, q);
      counters->transfers.fetch_add(1, std::memory_order_relaxed);
      log(fmt::format("AXFR of {} to {}: serial {} in {} message{}, {} ms", zone->origin().to_text(),
                      peer.to_string(), zone_serial(*zone), messages.size(), messages.size() == 1 ? "" : "s",
                      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()));
    }
    // RFC 8945 §5.3.1: each message of a signed transfer is signed, each over the one before.
    std::optional<dns::TsigSigner> signer;
    if (gate.verdict == TsigGate::Verdict::verified) signer.emplace(reply_signer(*gate.check));
    for (auto& m : messages) {
      if (signer) m = signer->sign(m, dns::tsig_now());
      std::array<std::uint8_t, 2> prefix = {static_cast<std::uint8_t>(m.size() >> 8),
                                            static_cast<std::uint8_t>(m.size())};
      std::array<asio::const_buffer, 2> buffers = {asio::buffer(prefix), asio::buffer(m)};
      auto [write_ec, n] = co_await asio::async_write(socket, buffers, asio::experimental::as_tuple(asio::use_awaitable));
      if (write_ec) co_return false;
    }
    co_return true;
  }

  // Applies response rate limiting to a UDP answer; false when it is not to be sent. A slipped
  // answer becomes its header and question only, with TC set: the client may retry over TCP.
  bool rate_limit(Worker& w, const sockaddr_storage& peer, std::uint8_t* answer, std::size_t& size,
                  std::uint16_t rcode) {
    std::span<const std::uint8_t> client;
    if (peer.ss_family == AF_INET)
      client = {reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in&>(peer).sin_addr), 4};
    else
      client = {reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr), 16};
    // Our answers begin with the question, written out in full (nothing precedes it to point at).
    std::span<const std::uint8_t> message(answer, size);
    std::size_t qname_length = size > dns::kHeaderSize ? dns::wire_name_length(message.subspan(dns::kHeaderSize)) : 0;
    if (qname_length == 0 || dns::kHeaderSize + qname_length + 4 > size) return true;
    dns::WireName qname = message.subspan(dns::kHeaderSize, qname_length);
    auto qtype = static_cast<std::uint16_t>(answer[dns::kHeaderSize + qname_length] << 8 |
                                            answer[dns::kHeaderSize + qname_length + 1]);
    auto now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
    switch (w.limiter.check(client, qname, qtype, rcode, now)) {
      case RateLimiter::Verdict::send:
        return true;
      case RateLimiter::Verdict::drop:
        counters->rate_limited.fetch_add(1, std::memory_order_relaxed);
        return false;
      case RateLimiter::Verdict::slip:
        counters->slipped.fetch_add(1, std::memory_order_relaxed);
        answer[2] |= 0x02;  // TC
        std::fill(answer + 6, answer + 12, std::uint8_t{0});  // no answer, authority, additional
        size = dns::kHeaderSize + qname_length + 4;
        return true;
    }
    return true;
  }

  // The answer to a verified signed query, signed; room for the TSIG record is kept inside the
  // size limit (the client's UDP payload size, or the TCP limit).
  std::vector<std::uint8_t> signed_answer(Worker& w, std::span<const std::uint8_t> wire, const TsigGate& gate,
                                          bool over_tcp, std::size_t limit) {
    const std::size_t room = gate.check->key->name.wire().size() + 40 + 64 + 16;
    std::vector<std::uint8_t> buffer(limit > room + dns::kHeaderSize ? limit - room : dns::kHeaderSize);
    auto result = answer_query(zones_for(w), wire, buffer, over_tcp, options.answer, w.rotation++);
    count(result);
    if (result.size == 0) return {};
    buffer.resize(result.size);
    return seal(gate, std::move(buffer));
  }

  // A signed request over UDP (or one whose TSIG failed): checked, answered and signed here,
  // off the fast path.
  std::vector<std::uint8_t> signed_udp_reply(Worker& w, const ZoneSet&, std::span<const std::uint8_t> wire,
                                             const asio::ip::address& peer, const TsigGate& gate) {
    if (gate.verdict == TsigGate::Verdict::rejected) return gate.reply;
    if (is_notify(wire)) return seal(gate, on_notify(w, wire, peer, gate));
    if (transfer_type(wire) == dns::rrtype::IXFR) return seal(gate, udp_ixfr(w, wire, peer, gate));
    Query q;
    std::string why;
    parse_query(wire, q, why);
    const std::size_t limit =
        q.has_edns ? std::clamp<std::size_t>(q.edns_payload, 512, options.answer.max_udp_payload) : 512;
    return signed_answer(w, wire, gate, false, limit);
  }

  static asio::awaitable<bool> write_reply(tcp::socket& socket, std::span<const std::uint8_t> reply,
                                           std::vector<std::uint8_t>& out) {
    out[0] = static_cast<std::uint8_t>(reply.size() >> 8);
    out[1] = static_cast<std::uint8_t>(reply.size());
    std::copy(reply.begin(), reply.end(), out.begin() + 2);
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(out.data(), reply.size() + 2),
                                              asio::experimental::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  asio::awaitable<void> tcp_accept_loop(Worker& w, tcp::acceptor& acceptor) {
    for (;;) {
      std::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) continue;
      if (w.tcp_connections >= options.max_tcp_connections) {
        socket.close(ec);  // RFC 7766 §6.2.2: a server may refuse connections over its limit
        continue;
      }
      // One client may hold only its share, so it cannot fill the limit above for everyone.
      std::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      std::string client = peer_ec ? std::string() : client_key(peer.address());
      if (peer_ec || !tcp_clients->acquire(client)) {
        if (!peer_ec) counters->tcp_client_limited.fetch_add(1, std::memory_order_relaxed);
        socket.close(ec);
        continue;
      }
      ++w.tcp_connections;
      asio::co_spawn(w.io, tcp_session(w, std::move(socket), std::move(client)), asio::detached);
    }
  }

  // RFC 7766: a 2-octet length, then the message; several queries per connection, answered in
  // order; the connection closes after an idle timeout or when the client closes it.
  asio::awaitable<void> tcp_session(Worker& w, tcp::socket socket, std::string client) {
    struct Release {
      Worker& w;
      TcpClientLimit& clients;
      const std::string& client;
      ~Release() {
        --w.tcp_connections;
        clients.release(client);
      }
    } release{w, *tcp_clients, client};
    std::vector<std::uint8_t> in(65535), out(65537);
    asio::steady_timer timer(w.io);
    for (;;) {
      std::array<std::uint8_t, 2> prefix;
      timer.expires_after(options.tcp_idle_timeout);
      auto first = co_await (asio::async_read(socket, asio::buffer(prefix), asio::experimental::as_tuple(asio::use_awaitable)) ||
                             timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
      if (first.index() == 1) break;  // idle timeout
      auto [read_ec, read_n] = std::get<0>(first);
      if (read_ec) break;
      std::size_t length = static_cast<std::size_t>(prefix[0] << 8 | prefix[1]);
      timer.expires_after(options.tcp_idle_timeout);
      auto body = co_await (asio::async_read(socket, asio::buffer(in.data(), length), asio::experimental::as_tuple(asio::use_awaitable)) ||
                            timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
      if (body.index() == 1) break;
      auto [body_ec, body_n] = std::get<0>(body);
      if (body_ec) break;
      counters->tcp_queries.fetch_add(1, std::memory_order_relaxed);
      TsigGate gate;
      if (may_be_signed({in.data(), length})) {
        std::error_code peer_ec;
        gate = check_tsig({in.data(), length}, plain_address(socket.remote_endpoint(peer_ec).address()));
        if (gate.verdict == TsigGate::Verdict::rejected) {
          if (gate.reply.empty()) break;
          if (!co_await write_reply(socket, gate.reply, out)) break;
          continue;
        }
        if (gate.verdict == TsigGate::Verdict::verified && !is_notify({in.data(), length}) &&
            !is_transfer({in.data(), length})) {
          auto reply = signed_answer(w, {in.data(), length}, gate, true, dns::kMaxMessageSize);
          if (reply.empty() || !co_await write_reply(socket, reply, out)) break;
          continue;
        }
      }
      if (is_notify({in.data(), length})) {
        std::error_code peer_ec;
        auto reply = seal(gate, on_notify(w, {in.data(), length}, plain_address(socket.remote_endpoint(peer_ec).address()), gate));
        if (reply.empty()) break;
        out[0] = static_cast<std::uint8_t>(reply.size() >> 8);
        out[1] = static_cast<std::uint8_t>(reply.size());
        std::copy(reply.begin(), reply.end(), out.begin() + 2);
        auto [notify_ec, notify_n] = co_await asio::async_write(socket, asio::buffer(out.data(), reply.size() + 2),
                                                                asio::experimental::as_tuple(asio::use_awaitable));
        if (notify_ec) break;
        continue;
      }
      if (is_transfer({in.data(), length})) {
        if (!co_await transfer(w, socket, {in.data(), length}, gate)) break;
        continue;
      }
      auto result = answer_query(zones_for(w), {in.data(), length}, std::span(out).subspan(2, 65535),
                                 true, options.answer, w.rotation++);
      count(result);
      if (result.size == 0) break;
      out[0] = static_cast<std::uint8_t>(result.size >> 8);
      out[1] = static_cast<std::uint8_t>(result.size);
      auto [write_ec, write_n] = co_await asio::async_write(socket, asio::buffer(out.data(), result.size + 2),
                                                            asio::experimental::as_tuple(asio::use_awaitable));
      if (write_ec) break;
    }
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

DnsServer::DnsServer(ServerOptions options, std::vector<ZoneSource> zones) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->sources = std::move(zones);
  impl_->counters = &counters_;
  impl_->journals = std::make_unique<ZoneJournals>(impl_->options.journal, [](const std::string& line) { log(line); });
  impl_->managed = std::make_unique<ManagedZones>(impl_->options.managed_journal_dir.empty()
                                                      ? impl_->options.journal_dir
                                                      : impl_->options.managed_journal_dir);
}

DnsServer::~DnsServer() {
  for (auto& w : impl_->workers) {
    w->io.stop();
    if (w->thread.joinable()) w->thread.join();
  }
  if (impl_->xfr_io) impl_->xfr_io->stop();
  if (impl_->xfr_thread.joinable()) impl_->xfr_thread.join();
  // The secondaries' timers go before the io_context they belong to; then the io_context
  // destroys the coroutines still suspended in it (which only hold the secondaries' address).
  impl_->secondaries.clear();
  impl_->xfr_io.reset();
  std::lock_guard lock(impl_->notify_mutex);
  for (auto& t : impl_->notifiers)
    if (t.joinable()) t.join();
}

core::Result<void> DnsServer::reload() {
  std::lock_guard lock(impl_->reload_mutex);
  const auto started = std::chrono::steady_clock::now();
  // Reloads are serialised by reload_mutex, and only they replace file_load: reading it here
  // without state_mutex races with nothing. A zone refused now keeps its previous copy; the
  // others are reloaded all the same.
  auto load = load_zones(impl_->sources, &impl_->file_load, impl_->options.zone_checks);
  auto* zones = &load;
  for (const auto& w : load.warned)
    log(fmt::format("serving despite errors (zone_checks = \"warn\"): {}", format_refused(w, "; ")));
  // Only re-read zones can have changed; a zone kept is the very same object.
  std::vector<std::pair<std::shared_ptr<const Zone>, std::shared_ptr<const Zone>>> changed;
  const auto& before_zones = impl_->file_load.zones;
  for (std::size_t i = 0; i < zones->zones.size(); ++i) {
    const auto& after = zones->zones[i].zone;
    std::shared_ptr<const Zone> before = i < before_zones.size() ? before_zones[i].zone : nullptr;
    if (!after || after == before) continue;
    if (before && zone_serial(*before) == zone_serial(*after)) continue;
    changed.emplace_back(std::move(before), after);
  }
  // The journal before the swap: an IXFR asked at any moment finds a chain to the serial it
  // sees (reloads are serialised by reload_mutex, so the file zones cannot change meanwhile).
  for (const auto& [before, after] : changed)
    if (before) impl_->journals->record(*before, *after, {});
  const std::size_t reread = zones->reread, kept = zones->kept;
  std::string refused;  // taken before file_load takes the load
  for (const auto& r : load.refused)
    refused.append(fmt::format("{} {} ({})", refused.empty() ? "" : ";", format_refused(r, "; "),
                               r.previous_copy ? "its previous copy goes on serving" : "not served"));
  const std::size_t refused_count = load.refused.size();
  {
    std::lock_guard state(impl_->state_mutex);
    impl_->file_load = std::move(*zones);
    impl_->compose();
  }
  log(fmt::format("reload: {} zone file{} re-read, {} unchanged, {} serial{} changed ({} ms)", reread,
                  reread == 1 ? "" : "s", kept, changed.size(), changed.size() == 1 ? "" : "s",
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count()));
  // RFC 1996 §3.5: a zone whose serial changed is announced to its secondaries.
  for (const auto& [before, after] : changed) impl_->announce(after);
  if (refused_count > 0) {
    counters_.failed_reloads.fetch_add(1, std::memory_order_relaxed);
    return core::fail(fmt::format("zones reloaded except {} refused:{}", refused_count, refused));
  }
  counters_.reloads.fetch_add(1, std::memory_order_relaxed);
  return {};
}

core::Result<void> DnsServer::start() {
  auto& o = impl_->options;
  if (o.listen.empty()) return core::fail("no listen address (--dns-listen ADDRESS:PORT)");
  if (o.workers == 0) o.workers = 1;
  if (o.tcp_per_client == 0) o.tcp_per_client = default_tcp_per_client(o.max_tcp_connections * o.workers);
  impl_->tcp_clients = std::make_unique<TcpClientLimit>(o.tcp_per_client);
  const auto started = std::chrono::steady_clock::now();
  if (auto distinct = check_distinct_origins(impl_->sources); !distinct) return distinct;
  auto load = load_zones(impl_->sources, nullptr, o.zone_checks);
  for (const auto& w : load.warned)
    log(fmt::format("serving despite errors (zone_checks = \"warn\"): {}", format_refused(w, "; ")));
  if (!load.refused.empty() && !o.keep_going) {
    std::string text = fmt::format("{} zone{} refused (--keep-going serves the others):", load.refused.size(),
                                   load.refused.size() == 1 ? "" : "s");
    for (const auto& refused : load.refused) text.append(fmt::format("\n  {}", format_refused(refused, "\n    ")));
    return core::fail(text);
  }
  for (const auto& refused : load.refused)
    log(fmt::format("not serving {} (keep_going: the other zones are served)", format_refused(refused, "; ")));
  const std::size_t refused_count = load.refused.size();
  impl_->file_load = std::move(load);
  impl_->xfr_io = std::make_unique<asio::io_context>(1);
  for (std::size_t i = 0; i < impl_->sources.size(); ++i) {
    const auto& source = impl_->sources[i];
    if (source.primaries.empty()) {
      impl_->journals->open(source.origin, impl_->journal_path(source),
                            impl_->file_load.zones[i].zone.get());
      continue;
    }
    // A secondary serves the copy it kept, if any, until the first refresh says otherwise.
    std::shared_ptr<const Zone> initial;
    std::error_code ec;
    if (!source.file.empty() && std::filesystem::exists(source.file, ec)) {
      std::vector<std::string> reasons;
      auto copy = load_zone(source, ZoneChecks::off, reasons);
      if (copy.zone) initial = std::move(copy.zone);
      else log(fmt::format("{}; taking the zone from its primary",
                           format_refused({source.origin, source_place(source), reasons}, "; ")));
    }
    impl_->journals->open(source.origin, impl_->journal_path(source), initial.get());
    Impl* impl = impl_.get();
    const std::string key = zone_key(source.origin);
    Secondary::Hooks hooks;
    hooks.install = [impl, key](std::shared_ptr<const Zone> before, std::shared_ptr<const Zone> after,
                                std::vector<ZoneDiff> changes) {
      if (before) impl->journals->record(*before, *after, std::move(changes));  // first, as in reload()
      {
        std::lock_guard state(impl->state_mutex);
        impl->secondary_zones[key] = after;
        impl->compose();
      }
      impl->announce(after);
    };
    hooks.expire = [impl, key] {
      std::lock_guard state(impl->state_mutex);
      impl->secondary_zones[key] = nullptr;
      impl->compose();
    };
    hooks.log = [](const std::string& line) { log(line); };
    impl_->secondary_zones[key] = initial;
    impl_->secondaries.push_back(std::make_unique<Secondary>(*impl_->xfr_io, source, initial, hooks, counters_));
  }
  {
    std::lock_guard state(impl_->state_mutex);
    impl_->compose();
  }
  const auto loaded = std::chrono::steady_clock::now();
  // Every address is proved free of other processes before our workers share it (issue 14).
  for (const auto& address : o.listen) {
    const net::Endpoint endpoint{asio::ip::make_address(address.host), address.port};
    for (auto transport : {net::Transport::Udp, net::Transport::Tcp})
      if (auto free = net::check_address_free(endpoint, transport); !free) return tl::unexpected(free.error());
  }
  for (std::size_t i = 0; i < o.workers; ++i) {
    auto w = std::make_unique<Worker>(o.rate_limit);
    for (const auto& address : o.listen) {
      auto ip = asio::ip::make_address(address.host);
      std::error_code ec;
      udp::socket u(w->io);
      net::bind_shared(u, udp::endpoint(ip, address.port), ec);
      if (ec) return core::fail(fmt::format("cannot listen on UDP {}:{}: {}", address.host, address.port, ec.message()));
      w->udp_sockets.push_back(std::move(u));

      tcp::acceptor a(w->io);
      net::bind_shared(a, tcp::endpoint(ip, address.port), ec);
      if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return core::fail(fmt::format("cannot listen on TCP {}:{}: {}", address.host, address.port, ec.message()));
      w->acceptors.push_back(std::move(a));
    }
    impl_->workers.push_back(std::move(w));
  }
  // A secondary with no copy yet has nothing loaded: it waits for its first transfer.
  std::size_t waiting = 0;
  for (const auto& [key, zone] : impl_->secondary_zones)
    if (!zone) ++waiting;
  const std::size_t zone_count = impl_->sources.size() - waiting - refused_count;
  const std::string waiting_text =
      waiting == 0 ? std::string()
                   : fmt::format(" ({} secondary zone{} waiting for a first transfer)", waiting, waiting == 1 ? "" : "s");
  log(fmt::format("{} zone{} loaded{} in {} ms; listening on {} address{} with {} worker{}", zone_count,
                  zone_count == 1 ? "" : "s", waiting_text,
                  std::chrono::duration_cast<std::chrono::milliseconds>(loaded - started).count(),
                  o.listen.size(), o.listen.size() == 1 ? "" : "es", o.workers, o.workers == 1 ? "" : "s"));
  return {};
}

void DnsServer::run() {
  for (auto& wp : impl_->workers) {
    Worker& w = *wp;
    for (auto& s : w.udp_sockets) asio::co_spawn(w.io, impl_->udp_loop(w, s), asio::detached);
    for (auto& a : w.acceptors) asio::co_spawn(w.io, impl_->tcp_accept_loop(w, a), asio::detached);
    w.thread = std::thread([&w] {
      core::name_this_thread("mx-dns");
      w.io.run();
    });
  }
  if (!impl_->secondaries.empty()) {
    for (auto& s : impl_->secondaries) s->start();
    impl_->xfr_thread = std::thread([this] {
      core::name_this_thread("mx-dns-xfr");
      impl_->xfr_io->run();
    });
  }
  // Signals are taken in this thread: SIGHUP reloads, SIGINT and SIGTERM stop.
  auto& control = impl_->control;
  asio::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);
  signals.add(SIGUSR1);
  std::function<void(const std::error_code&, int)> on_signal = [&](const std::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGUSR1) {  // counters, one line, for an operator or a script
      log(format_counters(counters_));
      signals.async_wait(on_signal);
      return;
    }
    if (signal == SIGHUP) {
      auto result = reload();
      log(result ? std::string("zones reloaded") : result.error().message);
      signals.async_wait(on_signal);
      return;
    }
    log(fmt::format("stopping on signal {}", signal));
    for (auto& w : impl_->workers) w->io.stop();
    impl_->xfr_io->stop();
  };
  signals.async_wait(on_signal);
  control.run();  // returns once a stop signal has been handled (it does not re-arm), or stop()
  for (auto& w : impl_->workers)
    if (w->thread.joinable()) w->thread.join();
  if (impl_->xfr_thread.joinable()) impl_->xfr_thread.join();
}

void DnsServer::stop() {
  asio::post(impl_->control, [this] {
    log("stopping");
    for (auto& w : impl_->workers) w->io.stop();
    if (impl_->xfr_io) impl_->xfr_io->stop();
    impl_->control.stop();
  });
}

// The same order as reload(): the journal first, so an IXFR asked the moment the new copy is
// served finds the change; then the swap; then NOTIFY.
core::Result<void> DnsServer::set_zone(std::shared_ptr<const Zone> zone) {
  if (!zone) return core::fail("set_zone: no zone");
  if (auto admitted = ManagedZones::admit(zone->origin(), impl_->sources); !admitted) return admitted;
  std::lock_guard lock(impl_->reload_mutex);
  std::shared_ptr<const Zone> before;
  {
    std::lock_guard state(impl_->state_mutex);
    before = impl_->managed->current(zone->origin());
  }
  if (before && zone_serial(*before) == zone_serial(*zone)) {
    const auto diff = diff_zones(*before, *zone);
    if (diff.removed.empty() && diff.added.empty()) return {};  // the same zone again
  }
  if (before && !serial_newer(zone_serial(*zone), zone_serial(*before)))
    return core::fail(fmt::format("zone {}: serial {} is not newer than {}, the serial served (RFC 1982): "
                                  "secondaries would not take the change",
                                  zone->origin().to_text(), zone_serial(*zone), zone_serial(*before)));
  impl_->managed->journal(*impl_->journals, before.get(), *zone);
  {
    std::lock_guard state(impl_->state_mutex);
    impl_->managed->put(zone);
    impl_->compose();
  }
  log(fmt::format("zone {} {} at serial {}", zone->origin().to_text(), before ? "changed" : "set",
                  zone_serial(*zone)));
  impl_->announce(zone);
  counters_.reloads.fetch_add(1, std::memory_order_relaxed);
  return {};
}

core::Result<void> DnsServer::remove_zone(const dns::Name& origin) {
  std::lock_guard lock(impl_->reload_mutex);
  {
    std::lock_guard state(impl_->state_mutex);
    if (!impl_->managed->current(origin))
      return core::fail(fmt::format("zone {} was not set at run time: it cannot be removed", origin.to_text()));
    impl_->managed->erase(origin);
    impl_->compose();
  }
  impl_->managed->drop_journal(origin);
  log(fmt::format("zone {} removed", origin.to_text()));
  return {};
}

}  // namespace mxkit::auth
