// A zone ready to answer queries: built once from parsed records, then read by every worker
// without locks. A reload builds a new Zone and swaps the pointer, so a query sees the old zone
// or the new one, never half of each.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/huge_page_allocator.hpp"
#include "core/result.hpp"
#include "dns/name.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::auth {

class Zone {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;

  struct Rdata {
    std::uint32_t offset;  // into the record table's arena
    std::uint16_t length;
  };

  struct RRset {
    std::uint16_t type;
    std::uint16_t count;
    std::uint32_t ttl;     // RFC 2181 §5.2: one TTL per RRset; the first one given, as BIND
    std::uint32_t first;   // index of its first Rdata
  };

  struct Node {
    std::uint32_t name;         // arena offset of the owner (wire form, case as in the file);
                                // an empty non-terminal points into a descendant's owner
    std::uint32_t parent;       // kNone for the apex
    std::uint32_t first_rrset;
    std::uint16_t rrset_count;
    std::uint8_t flags;
    std::uint8_t name_length;   // so reading the name needs no scan of its labels
    std::uint32_t cut;          // the topmost zone cut at or above this node, or kNone
  };
  enum NodeFlags : std::uint8_t {
    kApex = 1,
    kDelegation = 2,     // NS below the apex: a zone cut (RFC 1034 §4.2.1)
    kWildcardChild = 4,  // "*.<this>" exists (RFC 4592 §2.2.1: the source of synthesis)
  };

  // Builds the zone from records already checked (the caller runs the zone checks). Records
  // outside `origin` are dropped, as BIND does; the zone must have an SOA at the apex.
  static core::Result<std::shared_ptr<const Zone>> build(const dns::Name& origin,
                                                         dns::zone::RecordTable records);

  const dns::Name& origin() const { return origin_; }
  std::uint32_t apex() const { return 0; }
  const Node& node(std::uint32_t index) const { return nodes_[index]; }
  std::size_t node_count() const { return nodes_.size(); }
  dns::WireName node_name(const Node& n) const;
  std::span<const RRset> rrsets(const Node& n) const {
    return {rrsets_.data() + n.first_rrset, n.rrset_count};
  }
  const RRset* find_rrset(const Node& n, std::uint16_t type) const;
  std::span<const std::uint8_t> rdata(const RRset& set, std::size_t i) const;
  const RRset* soa() const { return find_rrset(nodes_[0], 6); }
  // Octets the zone holds for its records and the tables a query walks (reserved, not only
  // used): what serving it costs, for tests and for the log.
  std::size_t memory_bytes() const;
  const dns::zone::RecordTable& records() const { return records_; }

  // The node whose name equals `name` (any case), or kNone.
  std::uint32_t find(dns::WireName name) const;
  // Starts loading what find() of a name with this hash_name() and the answer after it will read, without waiting for it:
  // stage 0 the index slot, stage 1 (once the slot is in the cache) the node, its name and its
  // RRsets. A server calls both stages over a batch of queries before answering them, so the
  // cache misses of different queries overlap instead of following one another.
  void prefetch(std::uint64_t name_hash, int stage) const;

 private:
  dns::Name origin_;
  dns::zone::RecordTable records_;  // owns the arena the nodes and rdata point into
  // The tables a query walks, on huge pages (see core/huge_page_allocator.hpp).
  template <class T>
  using Table = std::vector<T, core::HugePageAllocator<T>>;
  Table<Node> nodes_;  // the apex first
  Table<RRset> rrsets_;
  Table<Rdata> rdatas_;
  // Open-addressing hash of node names: each slot holds the node (low 32 bits, kNone when
  // empty) and the upper half of the name's hash, so a probe compares names only when the
  // hashes agree and a miss touches nothing but this table.
  Table<std::uint64_t> index_;

  std::uint32_t insert_node(dns::WireName name, std::uint32_t name_offset);
  void grow_index();
};

// Case-insensitive hash of a wire name.
std::uint64_t hash_name(dns::WireName name);

}  // namespace mxkit::auth
