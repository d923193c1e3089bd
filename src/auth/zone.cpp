// Building the query-ready zone: nodes for every owner and empty non-terminal, RRsets grouped
// by type, zone cuts and wildcards marked, and a hash index over the names.
#include "auth/zone.hpp"

#include <algorithm>
#include <cstring>

#include "dns/rrtype.hpp"

namespace mxkit::auth {

namespace {
constexpr std::uint8_t lower(std::uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
}  // namespace

std::uint64_t hash_name(dns::WireName name) {
  // FNV-1a over the lower-cased octets, then a final mix so the low bits index well.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (auto c : name) h = (h ^ lower(c)) * 0x100000001b3ull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h;
}

dns::WireName Zone::node_name(const Node& n) const {
  return {records_.arena(n.name), n.name_length};
}

std::size_t Zone::memory_bytes() const {
  return sizeof(Zone) + records_.capacity_bytes() + nodes_.capacity() * sizeof(Node) +
         rrsets_.capacity() * sizeof(RRset) + rdatas_.capacity() * sizeof(Rdata) +
         index_.capacity() * sizeof(std::uint64_t);
}

const Zone::RRset* Zone::find_rrset(const Node& n, std::uint16_t type) const {
  for (const auto& set : rrsets(n))
    if (set.type == type) return &set;
  return nullptr;
}

std::span<const std::uint8_t> Zone::rdata(const RRset& set, std::size_t i) const {
  const Rdata& r = rdatas_[set.first + i];
  return {records_.arena(r.offset), r.length};
}

namespace {
constexpr std::uint64_t kEmptySlot = ~std::uint64_t{0};
constexpr std::uint64_t tag_of(std::uint64_t hash) { return hash & 0xFFFFFFFF00000000ull; }
constexpr std::uint32_t node_of(std::uint64_t slot) { return static_cast<std::uint32_t>(slot); }
}  // namespace

std::uint32_t Zone::find(dns::WireName name) const {
  const std::size_t mask = index_.size() - 1;
  const std::uint64_t hash = hash_name(name), tag = tag_of(hash);
  for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const std::uint64_t entry = index_[slot];
    if (entry == kEmptySlot) return kNone;
    if (tag_of(entry) == tag) {
      const std::uint32_t n = node_of(entry);
      if (dns::names_equal(node_name(nodes_[n]), name)) return n;
    }
  }
}

void Zone::prefetch(std::uint64_t hash, int stage) const {
  if (index_.empty()) return;
  const std::size_t slot = hash & (index_.size() - 1);
  if (stage == 0) {
    __builtin_prefetch(&index_[slot]);
    return;
  }
  const std::uint64_t entry = index_[slot];
  if (entry == kEmptySlot || tag_of(entry) != tag_of(hash)) return;
  const Node& n = nodes_[node_of(entry)];
  if (stage == 1) {
    __builtin_prefetch(&n);
    __builtin_prefetch(records_.arena(n.name));
    return;
  }
  if (n.rrset_count == 0) return;
  const RRset& first = rrsets_[n.first_rrset];
  if (stage == 2) {
    __builtin_prefetch(&first);
    return;
  }
  __builtin_prefetch(&rdatas_[first.first]);
}

void Zone::grow_index() {
  // From 16 slots: a ten-record zone has about five names.
  Table<std::uint64_t> bigger(std::max<std::size_t>(16, index_.size() * 2), kEmptySlot);
  const std::size_t mask = bigger.size() - 1;
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
    const std::uint64_t hash = hash_name(node_name(nodes_[n]));
    std::size_t slot = hash & mask;
    while (bigger[slot] != kEmptySlot) slot = (slot + 1) & mask;
    bigger[slot] = tag_of(hash) | n;
  }
  index_ = std::move(bigger);
}

std::uint32_t Zone::insert_node(dns::WireName name, std::uint32_t name_offset) {
  if ((nodes_.size() + 1) * 2 > index_.size()) grow_index();
  const std::size_t mask = index_.size() - 1;
  const std::uint64_t hash = hash_name(name), tag = tag_of(hash);
  std::size_t slot = hash & mask;
  for (;; slot = (slot + 1) & mask) {
    const std::uint64_t entry = index_[slot];
    if (entry == kEmptySlot) break;
    if (tag_of(entry) == tag && dns::names_equal(node_name(nodes_[node_of(entry)]), name)) return node_of(entry);
  }
  auto index = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(Node{name_offset, kNone, 0, 0, 0, static_cast<std::uint8_t>(name.size()), kNone});
  index_[slot] = tag | index;
  return index;
}

core::Result<std::shared_ptr<const Zone>> Zone::build(const dns::Name& origin,
                                                      dns::zone::RecordTable records) {
  auto zone = std::shared_ptr<Zone>(new Zone());
  zone->origin_ = origin;
  zone->records_ = std::move(records);
  zone->records_.shrink_to_fit();  // served as it is from now on: no room to grow is needed
  const auto& table = zone->records_;
  const dns::WireName apex = origin.wire();

  // 1. A node per owner, and per empty non-terminal between an owner and the apex. The apex
  //    comes first: find the first record owned by it.
  std::vector<std::uint32_t> record_node(table.size(), kNone);
  bool have_apex = false;
  for (std::size_t i = 0; i < table.size() && !have_apex; ++i) {
    const auto& e = table.entry(i);
    if (dns::names_equal(table.owner(e), apex)) {
      zone->insert_node(apex, e.owner);
      have_apex = true;
    }
  }
  if (!have_apex) return core::fail("the zone has no records at its apex " + origin.to_text());
  zone->nodes_[0].flags |= kApex;

  std::uint32_t last_owner = kNone, last_node = kNone;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& e = table.entry(i);
    if (e.owner == last_owner) {  // consecutive records share their stored owner
      record_node[i] = last_node;
      continue;
    }
    dns::WireName owner = table.owner(e);
    if (!dns::is_subdomain(owner, apex)) continue;  // out of zone: not served
    std::uint32_t n = zone->insert_node(owner, e.owner);
    record_node[i] = n;
    last_owner = e.owner;
    last_node = n;
    // Link to the parent, creating empty non-terminals on the way up until a known node.
    std::uint32_t child = n;
    std::uint32_t offset = e.owner;
    dns::WireName name = owner;
    while (zone->nodes_[child].parent == kNone && child != 0) {
      const std::size_t skip = name[0] + 1u;
      offset += static_cast<std::uint32_t>(skip);
      name = name.subspan(skip);
      std::size_t before = zone->nodes_.size();
      std::uint32_t parent = zone->insert_node(name, offset);
      zone->nodes_[child].parent = parent;
      if (zone->nodes_.size() == before) break;  // the parent existed: its chain is linked
      child = parent;
    }
  }

  // 2. Group each node's records by type into RRsets (a counting sort by node, then a small
  //    sort within each node), dropping exact duplicates: a zone is a set of records.
  const std::size_t node_count = zone->nodes_.size();
  std::vector<std::uint32_t> start(node_count + 1, 0);
  for (auto n : record_node)
    if (n != kNone) ++start[n + 1];
  for (std::size_t n = 0; n < node_count; ++n) start[n + 1] += start[n];
  std::vector<std::uint32_t> order(start.back());
  {
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::uint32_t i = 0; i < record_node.size(); ++i)
      if (record_node[i] != kNone) order[fill[record_node[i]]++] = i;
  }
  record_node = {};
  zone->rrsets_.reserve(order.size());
  zone->rdatas_.reserve(order.size());
  for (std::uint32_t n = 0; n < node_count; ++n) {
    auto first = order.begin() + start[n], last = order.begin() + start[n + 1];
    std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
      const auto &x = table.entry(a), &y = table.entry(b);
      if (x.type != y.type) return x.type < y.type;
      auto rx = table.rdata(x), ry = table.rdata(y);
      return std::lexicographical_compare(rx.begin(), rx.end(), ry.begin(), ry.end());
    });
    Node& node = zone->nodes_[n];
    node.first_rrset = static_cast<std::uint32_t>(zone->rrsets_.size());
    std::uint32_t ttl_from = 0;  // the record, in file order, whose TTL the RRset takes
    for (auto it = first; it != last; ++it) {
      const auto& e = table.entry(*it);
      RRset* set = zone->rrsets_.size() > node.first_rrset ? &zone->rrsets_.back() : nullptr;
      if (!set || set->type != e.type) {
        zone->rrsets_.push_back({e.type, 0, e.ttl, static_cast<std::uint32_t>(zone->rdatas_.size())});
        set = &zone->rrsets_.back();
        ttl_from = *it;
      } else {
        if (*it < ttl_from) {
          ttl_from = *it;
          set->ttl = e.ttl;
        }
        const Rdata& prev = zone->rdatas_.back();
        auto rd = table.rdata(e);
        if (prev.length == rd.size() && std::memcmp(table.arena(prev.offset), rd.data(), rd.size()) == 0)
          continue;  // an exact duplicate
      }
      zone->rdatas_.push_back({e.rdata, e.rdlength});
      ++set->count;
    }
    node.rrset_count = static_cast<std::uint16_t>(zone->rrsets_.size() - node.first_rrset);
    if (n != 0 && zone->find_rrset(node, dns::rrtype::NS)) node.flags |= kDelegation;
  }
  if (!zone->soa()) return core::fail("the zone has no SOA record at its apex " + origin.to_text());

  // 3. Wildcard parents, and the topmost zone cut above each node (parents may come after
  //    their children in the node list, so resolve with a memo walk).
  for (auto& node : zone->nodes_) {
    auto name = zone->node_name(node);
    if (name.size() >= 2 && name[0] == 1 && name[1] == '*' && node.parent != kNone)
      zone->nodes_[node.parent].flags |= kWildcardChild;
  }
  constexpr std::uint32_t kUnknown = kNone - 1;
  for (auto& node : zone->nodes_) node.cut = kUnknown;
  zone->nodes_[0].cut = kNone;
  std::vector<std::uint32_t> path;
  for (std::uint32_t n = 0; n < node_count; ++n) {
    std::uint32_t at = n;
    while (zone->nodes_[at].cut == kUnknown) {
      path.push_back(at);
      at = zone->nodes_[at].parent;
    }
    std::uint32_t cut = zone->nodes_[at].cut;
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      Node& node = zone->nodes_[*it];
      if (cut == kNone && (node.flags & kDelegation)) cut = *it;
      node.cut = cut;
    }
    path.clear();
  }
  if (zone->nodes_.capacity() * sizeof(Node) < core::kHugePageThreshold) zone->nodes_.shrink_to_fit();
  return std::shared_ptr<const Zone>(std::move(zone));
}

}  // namespace mxkit::auth
