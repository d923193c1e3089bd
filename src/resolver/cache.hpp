// The resolver's cache: RRsets, CNAMEs, negative answers (RFC 2308) and, through NS and address
// RRsets, delegations; TTLs counted down on an injected clock, capped, evicted least recently
// used past a memory cap, with RFC 8767 serve-stale. No sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"
#include "resolver/resolution.hpp"

namespace mxkit::resolver {

// Credibility of cached data, lowest first (RFC 2181 §5.4.1): glue and additional data never
// replace what an authority answered itself.
enum class Rank : std::uint8_t {
  Glue = 1,           // additional section of a referral
  Referral = 2,       // NS RRset of a referral (the parent's copy)
  NonAuthAnswer = 3,  // a recursive server's answer (stub mode)
  AuthAuthority = 4,  // authority section of an authoritative answer (SOA of a negative answer)
  AuthAnswer = 5,     // answer section of an authoritative answer
};

struct CacheLimits {
  std::uint32_t max_ttl = 86400;
  std::uint32_t max_negative_ttl = 3600;
  std::size_t max_bytes = 64u << 20;
  bool serve_stale = false;
  std::chrono::seconds stale_limit{86400};  // RFC 8767 §5 suggests 1 to 3 days
  std::uint32_t stale_ttl = 30;             // RFC 8767 §4: the TTL of a stale answer
};

class Cache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit Cache(
      CacheLimits limits, Clock clock = [] { return std::chrono::steady_clock::now(); });

  // Stores one RRset (same owner, type, class; TTL = the smallest, capped). A live entry of a
  // higher rank stays; false then, or when the TTL is 0.
  bool put_rrset(const std::vector<dns::Record>& rrset, Rank rank);
  // Negative entries (RFC 2308 §5): NXDOMAIN for a name and every type; NODATA for name+type.
  bool put_nxdomain(const dns::Name& name, std::uint32_t ttl, Rank rank);
  bool put_nodata(const dns::Name& name, std::uint16_t type, std::uint32_t ttl, Rank rank);

  enum class HitKind : std::uint8_t { RRset, NxDomain, NoData };
  struct Hit {
    HitKind kind = HitKind::RRset;
    std::vector<dns::Record> records;  // TTLs as they stand now
    std::uint32_t ttl = 0;
    Rank rank = Rank::Glue;
    bool stale = false;
  };
  // What the cache holds for name/type (an NXDOMAIN of the name answers every type). With
  // `stale`, expired data within the stale limit is returned too, with the stale TTL.
  std::optional<Hit> find(const dns::Name& name, std::uint16_t type, bool stale = false);

  // Answers qname/qtype from the cache, following cached CNAMEs (at most max_cname). When the
  // cache cannot finish, `resolution` is empty and `cnames`/`next` say how far it got.
  struct Lookup {
    std::optional<Resolution> resolution;
    std::vector<dns::Record> cnames;
    dns::Name next;
  };
  Lookup lookup(const dns::Name& qname, std::uint16_t qtype, unsigned max_cname,
                bool stale = false);

  // The closest zone cut at or above `name` with a live NS RRset, and the cached addresses of
  // its name servers; the root's when nothing closer is known, empty if not even that.
  struct Delegation {
    dns::Name zone;
    std::vector<dns::Record> ns;
    std::vector<dns::Record> addresses;  // A/AAAA of the NS names
  };
  std::optional<Delegation> closest_delegation(const dns::Name& name);

  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return entries_.size(); }
  const CacheLimits& limits() const { return limits_; }
  void clear();

 private:
  struct Entry {
    HitKind kind = HitKind::RRset;
    std::vector<dns::Record> records;
    Rank rank = Rank::Glue;
    std::chrono::steady_clock::time_point expires;
    std::size_t bytes = 0;
    std::list<std::string>::iterator lru;
  };
  static std::string key(const dns::Name& name, std::uint16_t type);
  bool store(std::string key, Entry entry, std::uint32_t ttl);
  Entry* live(const std::string& key, bool stale, bool& is_stale);
  void erase(std::unordered_map<std::string, Entry>::iterator it);
  void evict();

  CacheLimits limits_;
  Clock clock_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently used first
  std::size_t bytes_ = 0;
};

}  // namespace mxkit::resolver

#include "resolver/classify.hpp"

namespace mxkit::resolver {

// Stores what a classified reply taught: the CNAME chain and the answer or negative entry at
// its end, or a referral's NS RRset and glue. `authoritative` is true for an iterative
// resolver's authoritative replies, false for a recursive server's (stub mode).
void cache_classified(Cache& cache, const Classified& reply, std::uint16_t qtype,
                      bool authoritative);

}  // namespace mxkit::resolver
