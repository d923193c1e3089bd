// The zone's names in canonical order (RFC 4034 §6.1), each with its records and what they say
// about the name, and a hash index to find a name: what every check walks or looks up.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dns/name.hpp"
#include "dns/zone/record_table.hpp"
#include "dns/zonecheck/region_array.hpp"

namespace mxkit::dns::zonecheck {

namespace node_flag {
inline constexpr std::uint16_t in_zone = 1 << 0;     // at or below the apex
inline constexpr std::uint16_t apex = 1 << 1;
inline constexpr std::uint16_t cut = 1 << 2;         // NS below the apex: a delegation
inline constexpr std::uint16_t below_cut = 1 << 3;   // strictly below a delegation
inline constexpr std::uint16_t dname = 1 << 4;
inline constexpr std::uint16_t below_dname = 1 << 5;
inline constexpr std::uint16_t soa = 1 << 6;
inline constexpr std::uint16_t ns = 1 << 7;
inline constexpr std::uint16_t cname = 1 << 8;
inline constexpr std::uint16_t address = 1 << 9;     // A or AAAA
inline constexpr std::uint16_t other_data = 1 << 10; // a type other than CNAME, RRSIG, NSEC
inline constexpr std::uint16_t ns_target = 1 << 11;  // some in-zone NS record names it
inline constexpr std::uint16_t empty = 1 << 12;      // an empty non-terminal (RFC 4592 §2.2.2)
}  // namespace node_flag

struct Node {
  const std::uint8_t* name_data = nullptr;  // the name's wire form, inside the record table
  std::uint32_t first = 0;                  // into the index's record order
  std::uint32_t count = 0;                  // records at the name; 0 for an empty non-terminal
  std::uint16_t flags = 0;
  std::uint8_t name_length = 0;
  bool has(std::uint16_t f) const { return (flags & f) != 0; }
};

// Where a name that a record points at leads inside this zone: RFC 1034 §4.3.2 step 3 for one
// name, without following aliases.
struct Resolution {
  enum class Kind {
    out_of_zone,  // not at or below the apex: nothing here says anything about it
    delegated,    // at or below a zone cut: the data is the child zone's (glue aside)
    alias,        // a CNAME, by name or by wildcard, or below a DNAME
    exists,       // by name or by wildcard
    nxdomain,
  };
  Kind kind = Kind::nxdomain;
  const Node* node = nullptr;  // the name's node, or the wildcard that matched
  bool via_wildcard = false;
};

class ZoneIndex {
 public:
  ZoneIndex(const zone::RecordTable& table, WireName apex);

  const zone::RecordTable& table() const { return table_; }
  WireName apex() const { return {apex_.data(), apex_len_}; }
  // The apex node; an empty non-terminal if the apex has no records but names below it do,
  // nullptr if the zone has no name at or below the apex.
  const Node* apex_node() const { return find(apex()); }

  // Names with records, in canonical order. Empty non-terminals are found only by find().
  std::span<const Node> nodes() const { return {nodes_.data(), nodes_.size()}; }
  // Record (entry) indices at a name: by type (SOA first), then rdata, then file order.
  std::span<const std::uint32_t> records(const Node& n) const {
    return {order_.data() + n.first, n.count};
  }
  // The records of one type at a name (an RRset), empty if there are none.
  std::span<const std::uint32_t> rrset(const Node& n, std::uint16_t type) const;
  WireName name(const Node& n) const { return {n.name_data, n.name_length}; }

  const Node* find(WireName name) const;
  // `near` is a node the name may well be (an MX at a name often points at the name itself);
  // it saves a lookup when it is.
  Resolution resolve(WireName name, const Node* near = nullptr) const;
  // The zone cut at or above an in-zone name, or nullptr when it is authoritative data.
  const Node* enclosing_cut(WireName name) const;

  // Calls fn(type, records) for each RRset of the node, in canonical type order.
  template <class Fn>
  void for_each_rrset(const Node& n, Fn&& fn) const {
    auto all = records(n);
    std::size_t i = 0;
    while (i < all.size()) {
      std::uint16_t type = table_.entry(all[i]).type;
      std::size_t j = i + 1;
      while (j < all.size() && table_.entry(all[j]).type == type) ++j;
      fn(type, all.subspan(i, j - i));
      i = j;
    }
  }

 private:
  const zone::RecordTable& table_;
  std::array<std::uint8_t, kMaxNameLength> apex_{};
  std::size_t apex_len_ = 0;
  RegionArray<std::uint32_t> order_;  // entry indices, canonical order
  RegionArray<Node> nodes_;           // names with records, canonical order
  std::vector<Node> empties_;         // empty non-terminals (few, as a rule)
  // Open addressing on the name's hash: 0 free, else hash << 32 | (node reference + 1).
  RegionArray<std::uint64_t> slots_;
  std::size_t slot_mask_ = 0;

  void order_by_name();
  void sort_nodes();
  void sort_node(Node& node);
  void build_nodes();
  void mark_ns_targets();
  Node* find_mutable(WireName name, std::uint32_t hash);
  void insert(std::uint32_t reference, std::uint32_t hash);
};

}  // namespace mxkit::dns::zonecheck
