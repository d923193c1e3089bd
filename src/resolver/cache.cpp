// Cache: keyed by lower-cased owner name and type, one entry per RRset or negative answer.
#include "resolver/cache.hpp"

#include <algorithm>

#include "dns/rrtype.hpp"
#include "resolver/classify.hpp"

namespace mxkit::resolver {

namespace {
// The key type of a name's NXDOMAIN entry: type 0 is reserved (RFC 6895 §3.1), never asked.
constexpr std::uint16_t kNxDomainKey = 0;
constexpr std::size_t kEntryOverhead = 96;  // map node, list node, bookkeeping
}  // namespace

Cache::Cache(CacheLimits limits, Clock clock) : limits_(limits), clock_(std::move(clock)) {}

std::string Cache::key(const dns::Name& name, std::uint16_t type) {
  auto lower = name.lowercase();
  auto wire = lower.wire();
  std::string out(reinterpret_cast<const char*>(wire.data()), wire.size());
  out.push_back(static_cast<char>(type >> 8));
  out.push_back(static_cast<char>(type & 0xff));
  return out;
}

void Cache::clear() {
  entries_.clear();
  lru_.clear();
  bytes_ = 0;
}

void Cache::erase(std::unordered_map<std::string, Entry>::iterator it) {
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void Cache::evict() {
  while (bytes_ > limits_.max_bytes && !lru_.empty()) erase(entries_.find(lru_.back()));
}

// RFC 2181 §5.4.1: data replaces cached data only when at least as credible, or when what is
// cached has expired.
bool Cache::store(std::string k, Entry entry, std::uint32_t ttl) {
  if (ttl == 0) return false;
  const auto now = clock_();
  auto it = entries_.find(k);
  if (it != entries_.end()) {
    if (it->second.expires > now && it->second.rank > entry.rank) return false;
    erase(it);
  }
  entry.expires = now + std::chrono::seconds(ttl);
  entry.bytes = kEntryOverhead + k.size();
  for (const auto& r : entry.records) entry.bytes += r.owner.wire().size() + r.rdata.size() + 16;
  lru_.push_front(k);
  entry.lru = lru_.begin();
  bytes_ += entry.bytes;
  entries_.emplace(std::move(k), std::move(entry));
  evict();
  return true;
}

bool Cache::put_rrset(const std::vector<dns::Record>& rrset, Rank rank) {
  if (rrset.empty()) return false;
  const auto& first = rrset.front();
  std::uint32_t ttl = std::min(min_ttl(rrset, first.ttl), limits_.max_ttl);
  Entry entry;
  entry.kind = HitKind::RRset;
  entry.rank = rank;
  for (const auto& r : rrset)
    if (r.type == first.type && r.cls == first.cls && r.owner == first.owner)
      entry.records.push_back(r);
  // Data for the name proves it exists: a weaker-or-equal NXDOMAIN for it goes.
  if (auto nx = entries_.find(key(first.owner, kNxDomainKey));
      nx != entries_.end() && nx->second.rank <= rank)
    erase(nx);
  return store(key(first.owner, first.type), std::move(entry), ttl);
}

bool Cache::put_nxdomain(const dns::Name& name, std::uint32_t ttl, Rank rank) {
  Entry entry;
  entry.kind = HitKind::NxDomain;
  entry.rank = rank;
  return store(key(name, kNxDomainKey), std::move(entry), std::min(ttl, limits_.max_negative_ttl));
}

bool Cache::put_nodata(const dns::Name& name, std::uint16_t type, std::uint32_t ttl, Rank rank) {
  Entry entry;
  entry.kind = HitKind::NoData;
  entry.rank = rank;
  return store(key(name, type), std::move(entry), std::min(ttl, limits_.max_negative_ttl));
}

Cache::Entry* Cache::live(const std::string& k, bool stale, bool& is_stale) {
  auto it = entries_.find(k);
  if (it == entries_.end()) return nullptr;
  const auto now = clock_();
  is_stale = it->second.expires <= now;
  if (is_stale) {
    const bool keep = limits_.serve_stale && now - it->second.expires < limits_.stale_limit;
    if (!keep) {
      erase(it);
      return nullptr;
    }
    if (!stale) return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return &it->second;
}

std::optional<Cache::Hit> Cache::find(const dns::Name& name, std::uint16_t type, bool stale) {
  bool is_stale = false;
  Entry* entry = live(key(name, kNxDomainKey), stale, is_stale);
  if (!entry) entry = live(key(name, type), stale, is_stale);
  if (!entry) return std::nullopt;
  Hit hit;
  hit.kind = entry->kind;
  hit.rank = entry->rank;
  hit.stale = is_stale;
  if (is_stale) {
    hit.ttl = limits_.stale_ttl;
  } else {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(entry->expires - clock_()).count();
    hit.ttl = static_cast<std::uint32_t>(std::max<std::int64_t>(left, 0));
  }
  hit.records = entry->records;
  for (auto& r : hit.records) r.ttl = hit.ttl;
  return hit;
}

Cache::Lookup Cache::lookup(const dns::Name& qname, std::uint16_t qtype, unsigned max_cname,
                            bool stale) {
  Lookup out;
  out.next = qname;
  for (unsigned links = 0; links <= max_cname; ++links) {
    auto hit = find(out.next, qtype, stale);
    if (!hit && qtype != dns::rrtype::CNAME) {
      auto cname = find(out.next, dns::rrtype::CNAME, stale);
      if (cname && cname->kind == HitKind::RRset && !cname->records.empty()) {
        if (links == max_cname) break;
        out.cnames.push_back(cname->records.front());
        out.next = target_name(cname->records.front());
        continue;
      }
    }
    if (!hit) break;
    Resolution r;
    r.qname = qname;
    r.qtype = qtype;
    r.cnames = out.cnames;
    r.from_cache = true;
    r.ttl = min_ttl(out.cnames, hit->ttl);
    switch (hit->kind) {
      case HitKind::RRset:
        r.status = Status::Answer;
        r.records = std::move(hit->records);
        r.rcode = dns::rcode::NOERROR;
        break;
      case HitKind::NxDomain:
        r.status = Status::NxDomain;
        r.rcode = dns::rcode::NXDOMAIN;
        break;
      case HitKind::NoData:
        r.status = Status::NoData;
        r.rcode = dns::rcode::NOERROR;
        break;
    }
    out.resolution = std::move(r);
    break;
  }
  return out;
}

std::optional<Cache::Delegation> Cache::closest_delegation(const dns::Name& name) {
  dns::Name zone = name;
  // One step per label: bounded by the name's 127 labels at most.
  for (std::size_t step = 0; step < 128; ++step) {
    auto ns = find(zone, dns::rrtype::NS);
    if (ns && ns->kind == HitKind::RRset && !ns->records.empty()) {
      Delegation d;
      d.zone = zone;
      d.ns = std::move(ns->records);
      for (const auto& n : d.ns) {
        const auto host = target_name(n);
        for (auto type : {dns::rrtype::A, dns::rrtype::AAAA})
          if (auto a = find(host, type); a && a->kind == HitKind::RRset)
            d.addresses.insert(d.addresses.end(), a->records.begin(), a->records.end());
      }
      return d;
    }
    if (zone.is_root()) break;
    zone = zone.parent();
  }
  return std::nullopt;
}

}  // namespace mxkit::resolver

namespace mxkit::resolver {

void cache_classified(Cache& cache, const Classified& reply, std::uint16_t qtype,
                      bool authoritative) {
  const Rank answer_rank = authoritative ? Rank::AuthAnswer : Rank::NonAuthAnswer;
  const Rank negative_rank = authoritative ? Rank::AuthAuthority : Rank::NonAuthAnswer;
  for (const auto& c : reply.cnames) cache.put_rrset({c}, answer_rank);
  switch (reply.kind) {
    case ReplyKind::Answer: cache.put_rrset(reply.records, answer_rank); break;
    case ReplyKind::NxDomain:
      cache.put_nxdomain(reply.target, reply.negative_ttl, negative_rank);
      break;
    case ReplyKind::NoData:
      cache.put_nodata(reply.target, qtype, reply.negative_ttl, negative_rank);
      break;
    case ReplyKind::Referral: {
      cache.put_rrset(reply.ns, Rank::Referral);
      // Glue a record at a time grouped into RRsets by owner and type.
      std::vector<bool> done(reply.glue.size(), false);
      for (std::size_t i = 0; i < reply.glue.size(); ++i) {
        if (done[i]) continue;
        std::vector<dns::Record> rrset;
        for (std::size_t j = i; j < reply.glue.size(); ++j)
          if (!done[j] && reply.glue[j].type == reply.glue[i].type &&
              reply.glue[j].owner == reply.glue[i].owner) {
            rrset.push_back(reply.glue[j]);
            done[j] = true;
          }
        cache.put_rrset(rrset, Rank::Glue);
      }
      break;
    }
    case ReplyKind::Cname:
    case ReplyKind::Lame:
    case ReplyKind::Failure: break;
  }
}

}  // namespace mxkit::resolver
