// The iterative resolver's state machine: zone cut, server choice, referrals, CNAMEs, limits.
#include "resolver/iterative.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "resolver/address.hpp"

namespace mxkit::resolver {

void ServerHealth::failed(const ServerAddress& server, TimePoint now, std::chrono::seconds memory) {
  until_[{server.address, server.port}] = now + memory;
  // Forget expired entries now and then so the map stays as small as the failing set.
  if (until_.size() > 4096)
    std::erase_if(until_, [now](const auto& entry) { return entry.second <= now; });
}

bool ServerHealth::avoid(const ServerAddress& server, TimePoint now) const {
  auto it = until_.find({server.address, server.port});
  return it != until_.end() && it->second > now;
}

std::vector<ServerAddress> ServerHealth::order(const std::vector<ServerAddress>& servers,
                                               TimePoint now) const {
  std::vector<ServerAddress> out;
  for (bool failing : {false, true})
    for (const auto& s : servers)
      if (avoid(s, now) == failing) out.push_back(s);
  return out;
}

ServerAddress server_for(const asio::ip::address& address, const ResolverConfig& config) {
  return {address, config.port_override.value_or(std::uint16_t{53})};
}

std::string describe(const Classified& reply) {
  switch (reply.kind) {
    case ReplyKind::Referral: return fmt::format("referral to {}", reply.cut.to_text());
    case ReplyKind::Cname: return fmt::format("cname to {}", reply.target.to_text());
    case ReplyKind::Lame: return fmt::format("lame: {}", reply.why);
    case ReplyKind::Failure: return fmt::format("servfail: {}", reply.why);
    default: break;
  }
  return std::string(reply_kind_name(reply.kind));
}

namespace {

std::optional<asio::ip::address> record_address(const dns::Record& r) {
  return address_from_rdata(r.type, r.rdata);
}

}  // namespace

Iteration::Iteration(dns::Name qname, std::uint16_t qtype, const ResolverConfig& config,
                     Cache& cache, ServerHealth& health, WorkBudget& budget, unsigned depth)
    : config_(config),
      cache_(cache),
      health_(health),
      budget_(budget),
      depth_(depth),
      qtype_(qtype) {
  result_.qname = qname;
  result_.qtype = qtype;
  result_.from_cache = true;
  start(qname);
}

void Iteration::finish(Status status, std::string detail) {
  result_.status = status;
  result_.detail = std::move(detail);
  if (status == Status::ServFail || status == Status::Timeout) result_.rcode = dns::rcode::SERVFAIL;
  finished_ = true;
}

// Appends CNAMEs to the chain; false (and finished) on a loop or past max_cname.
static bool extend_chain(Resolution& result, const std::vector<dns::Record>& cnames,
                         unsigned max_cname, std::string& why) {
  for (const auto& c : cnames) {
    bool loop = std::any_of(result.cnames.begin(), result.cnames.end(),
                            [&](const dns::Record& r) { return r.owner == c.owner; });
    if (loop) {
      why = fmt::format("CNAME loop at {}", c.owner.to_text());
      return false;
    }
    if (result.cnames.size() >= max_cname) {
      why = fmt::format("CNAME chain longer than {} links", max_cname);
      return false;
    }
    result.cnames.push_back(c);
  }
  return true;
}

// Starts (or restarts, at a CNAME's target) from what the cache knows: a whole answer, or the
// closest zone cut with servers, or the root hints.
void Iteration::start(const dns::Name& name) {
  auto looked = cache_.lookup(name, qtype_, config_.max_cname);
  std::string why;
  if (!extend_chain(result_, looked.cnames, config_.max_cname, why))
    return finish(Status::ServFail, why);
  if (looked.resolution) {
    const auto& r = *looked.resolution;
    result_.records = r.records;
    result_.rcode = r.rcode;
    result_.ttl = min_ttl(result_.cnames, r.ttl);
    result_.status = r.status;
    finished_ = true;
    return;
  }
  name_ = looked.next;
  zones_seen_.clear();
  if (auto d = cache_.closest_delegation(name_)) {
    set_zone(d->zone, d->ns, d->addresses);
    zone_from_cache_ = true;
    return;
  }
  use_root_hints();
}

void Iteration::use_root_hints() {
  zone_ = dns::Name();
  zone_from_cache_ = false;
  servers_.clear();
  for (const auto& root : config_.root_servers) {
    Server s;
    s.addresses.push_back(root.address);
    s.tried.push_back(false);
    s.looked_up = true;  // the hints give addresses, not names to look up
    servers_.push_back(std::move(s));
  }
}

// Every server of a cached delegation failed: the zone may have moved to other servers since
// we cached it. Start again at the closest cut above it (or the roots), whose referral brings
// the delegation as it is now, rather than fail on stale data (RFC 1034 §5.3.3 step 4, "go
// back to step 2" with the SLIST of an ancestor). Each step goes up, so it ends at the roots.
void Iteration::start_at_cached_cut_above(const dns::Name& zone) {
  failures_ = timeouts_ = 0;
  zones_seen_.clear();
  if (auto d = cache_.closest_delegation(zone.parent())) {
    set_zone(d->zone, d->ns, d->addresses);
    zone_from_cache_ = true;
    return;
  }
  use_root_hints();
}

void Iteration::set_zone(const dns::Name& zone, const std::vector<dns::Record>& ns,
                         const std::vector<dns::Record>& addresses) {
  zone_ = zone;
  zones_seen_.push_back(zone);
  servers_.clear();
  for (const auto& n : ns) {
    Server s;
    s.host = target_name(n);
    for (const auto& a : addresses)
      if (a.owner == s.host)
        if (auto ip = record_address(a);
            ip && std::find(s.addresses.begin(), s.addresses.end(), *ip) == s.addresses.end())
          s.addresses.push_back(*ip);
    // Addresses the cache learned earlier (from another referral or an answer).
    if (s.addresses.empty())
      for (auto type : {dns::rrtype::A, dns::rrtype::AAAA})
        if (auto hit = cache_.find(s.host, type); hit && hit->kind == Cache::HitKind::RRset)
          for (const auto& a : hit->records)
            if (auto ip = record_address(a)) s.addresses.push_back(*ip);
    s.tried.assign(s.addresses.size(), false);
    servers_.push_back(std::move(s));
  }
}

Iteration::Action Iteration::next(TimePoint now) {
  if (finished_) return Finished{};
  if (now >= budget_.deadline) {
    finish(Status::Timeout, fmt::format("time budget of {} ms spent", config_.budget.count()));
    return Finished{};
  }
  // First the servers not failing lately, then the rest (RFC 1034 §5.3.3 step 3 lets us order
  // the SLIST as we see fit).
  for (int pass = 0; pass < 2; ++pass)
    for (auto& s : servers_)
      for (std::size_t i = 0; i < s.addresses.size(); ++i) {
        const auto server = server_for(s.addresses[i], config_);
        if (s.tried[i] || (pass == 0 && health_.avoid(server, now))) continue;
        if (budget_.queries_left == 0) {
          finish(Status::ServFail,
                 fmt::format("query limit reached ({} per resolution)", config_.max_queries));
          return Finished{};
        }
        s.tried[i] = true;
        --budget_.queries_left;
        return Query{server, name_, qtype_, zone_, s.host};
      }
  // Name servers whose addresses we do not know yet: resolve them (RFC 1034 §5.3.3 step 3).
  if (depth_ < config_.max_depth)
    for (auto& s : servers_)
      if (!s.looked_up && s.addresses.empty()) {
        s.looked_up = true;
        return NeedAddresses{s.host};
      }
  if (failures_ > 0 && zone_from_cache_ && !zone_.is_root()) {
    start_at_cached_cut_above(zone_);
    return next(now);
  }
  const std::string zone_text = zone_.to_text();
  if (failures_ == 0) {
    std::string detail = servers_.empty()
                             ? fmt::format("no name server known for {}", zone_text)
                             : fmt::format("no address for any name server of {}", zone_text);
    if (depth_ >= config_.max_depth)
      detail += fmt::format(" (nesting limit {} reached)", config_.max_depth);
    if (!lookup_detail_.empty()) detail += fmt::format(": {}", lookup_detail_);
    finish(Status::ServFail, std::move(detail));
  } else if (timeouts_ == failures_) {
    finish(Status::Timeout, fmt::format("all {} servers of {} timed out", failures_, zone_text));
  } else {
    finish(Status::ServFail,
           fmt::format("all {} servers of {} failed (last: {})", failures_, zone_text, last_why_));
  }
  return Finished{};
}

void Iteration::note_failure(bool timeout, std::string why) {
  ++failures_;
  if (timeout) ++timeouts_;
  last_why_ = std::move(why);
}

void Iteration::finish_with(const Classified& c) {
  result_.from_cache = false;
  result_.rcode = c.kind == ReplyKind::NxDomain ? dns::rcode::NXDOMAIN : dns::rcode::NOERROR;
  if (c.kind == ReplyKind::Answer) {
    result_.status = Status::Answer;
    result_.records = c.records;
    result_.ttl =
        std::min(min_ttl(result_.cnames, min_ttl(c.records, config_.max_ttl)), config_.max_ttl);
  } else {
    result_.status = c.kind == ReplyKind::NxDomain ? Status::NxDomain : Status::NoData;
    result_.ttl = std::min(min_ttl(result_.cnames, c.negative_ttl), config_.max_negative_ttl);
  }
  finished_ = true;
}

const Classified& Iteration::on_reply(const Query& query, const dns::Message& reply,
                                      TimePoint now) {
  result_.from_cache = false;
  last_ = classify_reply(reply, query.qname, query.qtype, ClassifyContext{query.zone, true});
  std::string why;
  switch (last_.kind) {
    case ReplyKind::Answer:
    case ReplyKind::NxDomain:
    case ReplyKind::NoData:
      cache_classified(cache_, last_, qtype_, true);
      if (!extend_chain(result_, last_.cnames, config_.max_cname, why))
        finish(Status::ServFail, why);
      else
        finish_with(last_);
      break;
    case ReplyKind::Cname:
      cache_classified(cache_, last_, qtype_, true);
      if (!extend_chain(result_, last_.cnames, config_.max_cname, why))
        finish(Status::ServFail, why);
      else
        start(last_.target);
      break;
    case ReplyKind::Referral:
      if (std::find(zones_seen_.begin(), zones_seen_.end(), last_.cut) != zones_seen_.end()) {
        health_.failed(query.server, now, config_.server_failure_memory);
        note_failure(false, fmt::format("referral back to {}", last_.cut.to_text()));
        break;
      }
      cache_classified(cache_, last_, qtype_, true);
      failures_ = timeouts_ = 0;
      set_zone(last_.cut, last_.ns, last_.glue);
      zone_from_cache_ = false;
      break;
    case ReplyKind::Lame:
    case ReplyKind::Failure:
      health_.failed(query.server, now, config_.server_failure_memory);
      note_failure(false, last_.why);
      break;
  }
  return last_;
}

void Iteration::on_failure(const Query& query, bool timeout, const std::string& why,
                           TimePoint now) {
  health_.failed(query.server, now, config_.server_failure_memory);
  note_failure(timeout, why);
}

void Iteration::on_addresses(const dns::Name& host, const std::vector<asio::ip::address>& addresses,
                             const std::string& detail) {
  for (auto& s : servers_)
    if (s.host == host && s.addresses.empty()) {
      s.addresses = addresses;
      s.tried.assign(addresses.size(), false);
    }
  if (addresses.empty() && !detail.empty())
    lookup_detail_ = fmt::format("{}: {}", host.to_text(), detail);
}

}  // namespace mxkit::resolver
