// Asks the parent and every name server directly (see ns_probe.hpp). Queries go without RD:
// an authoritative server answers from its zone, and a lame one shows itself by the missing AA
// bit or a REFUSED (RFC 1034 §4.3.1, RFC 1035 §4.1.1).
#include "checks/ns_probe.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "checks/parallel.hpp"
#include "dns/message.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zonecheck/record_fields.hpp"
#include "resolver/transport.hpp"
#include "routing/address.hpp"

namespace mxkit::checks {

namespace {

using Reply = tl::expected<resolver::Exchange, resolver::ExchangeError>;

asio::awaitable<Reply> ask(const std::string& address, const dns::Name& name, std::uint16_t type,
                           const ProbeOptions& options) {
  std::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec)
    co_return Reply(tl::unexpect, resolver::ExchangeError{resolver::ExchangeFailure::Network,
                                                          "not an IP address: " + address});
  dns::Message query;
  query.header.rd = false;
  query.question.push_back({name, type, dns::rrclass::IN});
  resolver::ExchangeOptions exchange_options;
  exchange_options.timeout = options.timeout;
  co_return co_await resolver::exchange(co_await asio::this_coro::executor,
                                        resolver::ServerAddress{ip, options.dns_port.value_or(53)},
                                        std::move(query), exchange_options);
}

std::string rcode_text(std::uint16_t rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return fmt::format("RCODE{}", rcode);
  }
}

std::string name_text(std::span<const std::uint8_t> wire) {
  return dns::Name::from_wire(wire).to_text();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

// The records of `type` owned by `owner` in `records`.
template <class F>
void each_rr(const std::vector<dns::Record>& records, const dns::Name& owner, std::uint16_t type,
             F&& f) {
  for (const auto& r : records)
    if (r.type == type && r.owner == owner) f(r);
}

asio::awaitable<void> ask_server(const dns::Name& zone, ServerAnswer* out,
                                 const ProbeOptions& options) {
  Reply soa, ns, mx;
  co_await run_parallel([&] {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(
        [](Reply* r, std::string a, dns::Name n, ProbeOptions o) -> asio::awaitable<void> {
          *r = co_await ask(a, n, dns::rrtype::SOA, o);
        }(&soa, out->address, zone, options));
    tasks.push_back(
        [](Reply* r, std::string a, dns::Name n, ProbeOptions o) -> asio::awaitable<void> {
          *r = co_await ask(a, n, dns::rrtype::NS, o);
        }(&ns, out->address, zone, options));
    tasks.push_back(
        [](Reply* r, std::string a, dns::Name n, ProbeOptions o) -> asio::awaitable<void> {
          *r = co_await ask(a, n, dns::rrtype::MX, o);
        }(&mx, out->address, zone, options));
    return tasks;
  }());
  if (!soa) {
    out->error = soa.error().message;
    co_return;
  }
  out->reachable = true;
  const auto& reply = soa->reply;
  if (reply.header.rcode != 0) {
    out->error = fmt::format("it answered {}", rcode_text(reply.header.rcode));
    co_return;
  }
  each_rr(reply.answer, zone, dns::rrtype::SOA,
          [&](const dns::Record& r) { out->serial = dns::zonecheck::soa_serial(r.rdata); });
  if (!reply.header.aa || !out->serial) {
    out->error = reply.header.aa ? "no SOA record in its answer" : "its answer has no AA bit";
    out->serial.reset();
    co_return;
  }
  out->authoritative = true;
  if (ns && ns->reply.header.rcode == 0)
    each_rr(ns->reply.answer, zone, dns::rrtype::NS,
            [&](const dns::Record& r) { out->ns.push_back(lower(name_text(r.rdata))); });
  std::sort(out->ns.begin(), out->ns.end());
  if (mx && mx->reply.header.rcode == 0 && mx->reply.header.aa) {
    out->mx_answered = true;
    each_rr(mx->reply.answer, zone, dns::rrtype::MX, [&](const dns::Record& r) {
      if (r.rdata.size() < 3) return;
      const unsigned preference = (unsigned{r.rdata[0]} << 8) | r.rdata[1];
      out->mx.push_back(
          fmt::format("{} {}", preference, lower(name_text(std::span(r.rdata).subspan(2)))));
      out->mx_ttl = out->mx_ttl ? std::min(*out->mx_ttl, r.ttl) : r.ttl;
    });
    std::sort(out->mx.begin(), out->mx.end());
  }
}

// The A and AAAA records of `name` as the authoritative server at `server` has them; `out` is
// left alone when it has none (the name may live in another zone).
asio::awaitable<void> zone_addresses(std::string server, dns::Name name,
                                     std::vector<std::string>* out, const ProbeOptions& options) {
  std::vector<std::string> found;
  for (const std::uint16_t type : {dns::rrtype::A, dns::rrtype::AAAA}) {
    auto reply = co_await ask(server, name, type, options);
    if (!reply || !reply->reply.header.aa) continue;
    each_rr(reply->reply.answer, name, type, [&](const dns::Record& r) {
      if (auto a = routing::address_from_rdata(r.type, r.rdata)) found.push_back(a->to_text());
    });
  }
  if (!found.empty()) *out = std::move(found);
}

asio::awaitable<void> resolve_into(resolver::Resolver* resolver, dns::Name name, std::uint16_t type,
                                   resolver::Resolution* out) {
  *out = co_await resolver->resolve(std::move(name), type);
}

asio::awaitable<void> addresses_into(resolver::Resolver* resolver, dns::Name name,
                                     std::vector<std::string>* out, std::string* error) {
  *out = co_await lookup_addresses(*resolver, name, *error);
}

std::vector<std::string> ns_names(const resolver::Resolution& r) {
  std::vector<std::string> out;
  for (const auto& rec : r.records)
    if (rec.type == dns::rrtype::NS) out.push_back(lower(name_text(rec.rdata)));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

asio::awaitable<std::vector<std::string>> lookup_addresses(resolver::Resolver& resolver,
                                                           const dns::Name& name,
                                                           std::string& error) {
  resolver::Resolution a, aaaa;
  std::vector<asio::awaitable<void>> tasks;
  tasks.push_back(resolve_into(&resolver, name, dns::rrtype::A, &a));
  tasks.push_back(resolve_into(&resolver, name, dns::rrtype::AAAA, &aaaa));
  co_await run_parallel(std::move(tasks));
  std::vector<std::string> out;
  for (const auto* r : {&a, &aaaa})
    for (const auto& rec : r->records)
      if (auto address = routing::address_from_rdata(rec.type, rec.rdata))
        out.push_back(address->to_text());
  if (out.empty())
    error =
        fmt::format("A {}, AAAA {}{}", resolver::status_name(a.status),
                    resolver::status_name(aaaa.status), a.detail.empty() ? "" : ": " + a.detail);
  co_return out;
}

asio::awaitable<NameServerFacts> probe_nameservers(resolver::Resolver& resolver,
                                                   const dns::Name& zone,
                                                   const ProbeOptions& options) {
  NameServerFacts facts;
  facts.zone = lower(zone.to_text());
  // The parent's servers and the zone's NS set through the resolver, at once.
  resolver::Resolution parent_ns, child_ns;
  {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(resolve_into(&resolver, zone.parent(), dns::rrtype::NS, &parent_ns));
    tasks.push_back(resolve_into(&resolver, zone, dns::rrtype::NS, &child_ns));
    co_await run_parallel(std::move(tasks));
  }
  // The parent's servers' addresses, then the delegation from the first that gives it.
  const auto parent_names = ns_names(parent_ns);
  std::vector<std::vector<std::string>> parent_addresses(parent_names.size());
  std::vector<std::string> ignored(parent_names.size());
  {
    std::vector<asio::awaitable<void>> tasks;
    for (std::size_t i = 0; i < parent_names.size(); ++i)
      tasks.push_back(addresses_into(&resolver, *dns::Name::from_text(parent_names[i]),
                                     &parent_addresses[i], &ignored[i]));
    co_await run_parallel(std::move(tasks));
  }
  std::map<std::string, std::vector<std::string>> glue;
  facts.parent_error =
      parent_names.empty()
          ? fmt::format("no NS records for the parent zone {} ({})", zone.parent().to_text(),
                        resolver::status_name(parent_ns.status))
          : "no parent server answered";
  for (const auto& addresses : parent_addresses) {
    for (const auto& address : addresses) {
      auto reply = co_await ask(address, zone, dns::rrtype::NS, options);
      if (!reply) {
        facts.parent_error = fmt::format("{}: {}", address, reply.error().message);
        continue;
      }
      const auto& m = reply->reply;
      std::vector<std::string> names;
      // A referral puts the delegation in the authority section; a parent that also serves
      // the child answers from the child instead (then the answer section holds the NS set).
      for (const auto* section : {&m.authority, &m.answer})
        each_rr(*section, zone, dns::rrtype::NS,
                [&](const dns::Record& r) { names.push_back(lower(name_text(r.rdata))); });
      if (names.empty()) {
        facts.parent_error = fmt::format("{} answered {} without NS records for {}", address,
                                         rcode_text(m.header.rcode), facts.zone);
        continue;
      }
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      facts.parent_ns = names;
      facts.parent_answered = true;
      facts.parent_server = address;
      for (const auto& r : m.additional)
        if (auto a = routing::address_from_rdata(r.type, r.rdata))
          glue[lower(r.owner.to_text())].push_back(a->to_text());
      break;
    }
    if (facts.parent_answered) break;
  }
  // Every name server named by either side, its addresses, then every address asked.
  std::map<std::string, NameServer> servers;
  for (const auto& n : facts.parent_ns) servers[n].in_parent = true;
  for (const auto& n : ns_names(child_ns)) servers[n].in_child = true;
  for (auto& [name, s] : servers) {
    s.name = name;
    if (auto it = glue.find(name); it != glue.end()) s.glue = it->second;
  }
  {
    std::vector<asio::awaitable<void>> tasks;
    for (auto& [name, s] : servers)
      if (auto n = dns::Name::from_text(name))
        tasks.push_back(addresses_into(&resolver, *n, &s.addresses, &s.address_error));
    co_await run_parallel(std::move(tasks));
  }
  {
    std::vector<asio::awaitable<void>> tasks;
    for (auto& [name, s] : servers) {
      std::vector<std::string> all = s.addresses;
      for (const auto& g : s.glue)
        if (std::find(all.begin(), all.end(), g) == all.end()) all.push_back(g);
      s.answers.resize(all.size());
      for (std::size_t i = 0; i < all.size(); ++i) {
        s.answers[i].address = all[i];
        tasks.push_back(ask_server(zone, &s.answers[i], options));
      }
    }
    co_await run_parallel(std::move(tasks));
  }
  // In-zone servers: the zone's own A/AAAA records, asked of an authoritative server (a
  // resolver may answer from the glue it cached, RFC 2181 §5.4.1), then any address new to us
  // asked like the others.
  std::string authority;
  for (const auto& [name, s] : servers)
    for (const auto& a : s.answers)
      if (a.authoritative && authority.empty()) authority = a.address;
  if (!authority.empty()) {
    std::vector<asio::awaitable<void>> tasks;
    for (auto& [name, s] : servers) {
      auto n = dns::Name::from_text(name);
      if (!n || !n->is_subdomain_of(zone)) continue;
      tasks.push_back(zone_addresses(authority, *n, &s.addresses, options));
    }
    co_await run_parallel(std::move(tasks));
    tasks.clear();
    for (auto& [name, s] : servers)
      for (const auto& address : s.addresses) {
        const bool asked = std::any_of(s.answers.begin(), s.answers.end(),
                                       [&](const ServerAnswer& a) { return a.address == address; });
        if (asked) continue;
        s.answers.push_back(ServerAnswer{});
        s.answers.back().address = address;
      }
    for (auto& [name, s] : servers)
      for (auto& a : s.answers)
        if (!a.reachable && a.error.empty()) tasks.push_back(ask_server(zone, &a, options));
    co_await run_parallel(std::move(tasks));
  }
  for (auto& [name, s] : servers) {
    if (facts.child_ns.empty())
      for (const auto& a : s.answers)
        if (a.authoritative && !a.ns.empty()) {
          facts.child_ns = a.ns;
          break;
        }
    facts.servers.push_back(std::move(s));
  }
  if (facts.child_ns.empty()) facts.child_ns = ns_names(child_ns);
  co_return facts;
}

}  // namespace mxkit::checks
