// Building the zone index: one sort of the records into canonical order, then one walk of the
// names to note cuts, aliases and empty non-terminals.
#include "dns/zonecheck/zone_index.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "dns/rrtype.hpp"
#include "dns/zonecheck/record_fields.hpp"

namespace mxkit::dns::zonecheck {

namespace {

constexpr std::uint32_t kEmptyBit = 0x80000000u;  // a node reference into empties_
constexpr std::size_t kNone = ~std::size_t{0};

constexpr std::uint8_t lower(std::uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

std::uint32_t hash_name(WireName name) {
  // FNV-1a over the lower-cased octets: names compare without case (RFC 4343).
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (auto c : name) {
    h ^= lower(c);
    h *= 0x100000001b3ull;
  }
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

std::uint16_t type_flags(std::uint16_t type) {
  namespace f = node_flag;
  switch (type) {
    case rrtype::SOA: return f::soa | f::other_data;
    case rrtype::NS: return f::ns | f::other_data;
    case rrtype::CNAME: return f::cname;
    case rrtype::DNAME: return f::dname | f::other_data;
    case rrtype::A:
    case rrtype::AAAA: return f::address | f::other_data;
    // RFC 4035 §2.5: the DNSSEC records of the CNAME itself may share its name.
    case rrtype::RRSIG:
    case rrtype::NSEC: return 0;
    default: return f::other_data;
  }
}

std::uint32_t type_rank(std::uint16_t type) { return type == rrtype::SOA ? 0u : 1u + type; }

}  // namespace

ZoneIndex::ZoneIndex(const zone::RecordTable& table, WireName apex) : table_(table) {
  apex_len_ = std::min(apex.size(), apex_.size());
  std::copy_n(apex.begin(), apex_len_, apex_.begin());
  if (apex_len_ == 0) apex_len_ = 1;  // no origin at all: the root, which apex_ holds already
  order_by_name();  // its keys and runs are freed before the next tables take memory
  sort_nodes();
  build_nodes();
  mark_ns_targets();
}

// Canonical order without comparing names record by record. The parser hands over a name's
// records together, so the records fall into runs of one owner; each run gets a key whose
// octets sort canonically and a 64-bit prefix of it taken past the part all keys share (the
// apex, mostly), the runs are sorted on that (whole keys only break ties), and the records are
// then read off run by run; sort_nodes() then orders the few records at each name.
void ZoneIndex::order_by_name() {
  const std::size_t n = table_.size();
  struct Run {
    std::uint64_t prefix;
    std::uint32_t key;    // offset into keys
    std::uint32_t start;  // first entry
    std::uint32_t count;
    std::uint16_t key_length;
  };
  RegionArray<Run> runs(n);
  RegionArray<std::uint8_t> keys(n * 2 * kMaxNameLength);
  std::array<std::uint8_t, 2 * kMaxNameLength> key;
  std::array<std::uint8_t, 2 * kMaxNameLength> apex_key;
  const std::size_t apex_key_length = canonical_name_key(apex(), apex_key.data());
  std::size_t shared = 0;  // octets every key has in common with the first
  std::uint32_t owner = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& e = table_.entry(i);
    if (i > 0 && e.owner == owner) {
      ++runs.back().count;
      continue;
    }
    owner = e.owner;
    std::size_t length = canonical_name_key(table_.owner(e), key.data());
    if (i == 0) {
      shared = length;
    } else {
      std::size_t k = 0;
      while (k < shared && k < length && keys[k] == key[k]) ++k;
      shared = k;
    }
    if (keys.size() + length > 0xFFFFFFFFu)
      throw std::length_error("zone names too many to index (4 GiB of name keys)");
    runs.push_back({0, static_cast<std::uint32_t>(keys.size()), static_cast<std::uint32_t>(i), 1,
                    static_cast<std::uint16_t>(length)});
    std::memcpy(keys.extend(length), key.data(), length);
  }
  for (auto& r : runs) {
    std::uint64_t prefix = 0;
    for (std::size_t k = shared; k < shared + 8; ++k)
      prefix = prefix << 8 | (k < r.key_length ? keys[r.key + k] : 0u);
    r.prefix = prefix;
  }
  auto compare_keys = [&](const Run& a, const Run& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix ? -1 : 1;
    int c = std::memcmp(keys.data() + a.key, keys.data() + b.key,
                        std::min(a.key_length, b.key_length));
    if (c != 0) return c;
    return a.key_length == b.key_length ? 0 : (a.key_length < b.key_length ? -1 : 1);
  };
  std::sort(runs.begin(), runs.end(), [&](const Run& a, const Run& b) {
    int c = compare_keys(a, b);
    return c != 0 ? c < 0 : a.start < b.start;
  });

  // Runs with equal keys are one name whose records were split across the file; they follow
  // one another in file order.
  order_ = RegionArray<std::uint32_t>(n);
  nodes_ = RegionArray<Node>(runs.size());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (k == 0 || compare_keys(runs[k - 1], runs[k]) != 0) {
      Node node;
      node.first = static_cast<std::uint32_t>(order_.size());
      // The apex's key begins the key of every name at or below it, and only theirs.
      const Run& r = runs[k];
      if (r.key_length >= apex_key_length &&
          std::memcmp(keys.data() + r.key, apex_key.data(), apex_key_length) == 0)
        node.flags = r.key_length == apex_key_length ? node_flag::in_zone | node_flag::apex
                                                     : node_flag::in_zone;
      nodes_.push_back(node);
    }
    for (std::uint32_t i = runs[k].start; i < runs[k].start + runs[k].count; ++i) order_.push_back(i);
    nodes_.back().count += runs[k].count;
  }
}

// Sorts each name's records by type (SOA first), rdata, then file order, and notes what the
// types say about the name. Names hold few records: an insertion sort on cached types suits.
void ZoneIndex::sort_nodes() {
  for (auto& node : nodes_) sort_node(node);
}

void ZoneIndex::sort_node(Node& node) {
  std::uint32_t* records = order_.data() + node.first;
  auto before = [&](std::uint32_t a, std::uint16_t ta, std::uint32_t b, std::uint16_t tb) {
    if (ta != tb) return type_rank(ta) < type_rank(tb);
    int c = compare_rdata(ta, table_.rdata(table_.entry(a)), table_.rdata(table_.entry(b)));
    return c != 0 ? c < 0 : a < b;
  };
  constexpr std::uint32_t kFew = 32;
  if (node.count > kFew) {
    for (std::uint32_t k = 0; k < node.count; ++k)
      node.flags |= type_flags(table_.entry(records[k]).type);
    std::sort(records, records + node.count, [&](std::uint32_t a, std::uint32_t b) {
      return before(a, table_.entry(a).type, b, table_.entry(b).type);
    });
  } else {
    std::array<std::uint16_t, kFew> types;
    for (std::uint32_t k = 0; k < node.count; ++k) {
      std::uint32_t record = records[k];
      std::uint16_t type = table_.entry(record).type;
      node.flags |= type_flags(type);
      std::uint32_t j = k;
      for (; j > 0 && before(record, type, records[j - 1], types[j - 1]); --j) {
        records[j] = records[j - 1];
        types[j] = types[j - 1];
      }
      records[j] = record;
      types[j] = type;
    }
  }
  WireName name = table_.owner(table_.entry(records[0]));
  node.name_data = name.data();
  node.name_length = static_cast<std::uint8_t>(name.size());
}

void ZoneIndex::build_nodes() {
  namespace f = node_flag;
  std::size_t capacity = 16;
  while (capacity < nodes_.size() * 2 + nodes_.size() / 2) capacity *= 2;
  slots_ = RegionArray<std::uint64_t>(capacity);
  slots_.extend(capacity);
  slot_mask_ = capacity - 1;
  // Each insert is a cache miss on a random slot: hash a few names ahead and have their slots
  // fetched while the current one is written. The table is big enough for all of them.
  constexpr std::size_t kAhead = 16;
  std::array<std::uint32_t, kAhead> ahead;
  const std::size_t count = nodes_.size();
  for (std::size_t id = 0; id < count + kAhead; ++id) {
    if (id >= kAhead) insert(static_cast<std::uint32_t>(id - kAhead), ahead[id % kAhead]);
    if (id < count) {
      ahead[id % kAhead] = hash_name(this->name(nodes_[id]));
      __builtin_prefetch(&slots_[ahead[id % kAhead] & slot_mask_], 1);
    }
  }

  const WireName apex_name = apex();
  std::size_t active_cut = kNone;
  std::size_t active_dname = kNone;
  WireName known_parent;  // the last parent seen to exist: siblings sit together
  for (std::size_t id = 0; id < nodes_.size(); ++id) {
    Node& node = nodes_[id];
    const WireName name = this->name(node);
    // Descendants follow a name directly in canonical order, so one cut (the highest) and one
    // DNAME are all the walk needs to remember.
    if (active_cut != kNone && is_subdomain(name, this->name(nodes_[active_cut])))
      node.flags |= f::below_cut;
    else
      active_cut = kNone;
    if (active_dname != kNone && is_subdomain(name, this->name(nodes_[active_dname])))
      node.flags |= f::below_dname;
    else
      active_dname = kNone;
    if (node.has(f::in_zone)) {
      // RFC 1034 §4.2: NS below the apex (and not already below a cut) makes a zone cut.
      if (node.has(f::ns) && !node.has(f::apex) && !node.has(f::below_cut)) {
        node.flags |= f::cut;
        active_cut = id;
      }
      if (node.has(f::dname) && !node.has(f::below_dname)) active_dname = id;
    }
    if (!node.has(f::in_zone) || node.has(f::apex)) continue;

    // The names between this one and the apex exist even without records of their own
    // (RFC 4592 §2.2.2); a wildcard lookup needs them to find the closest encloser.
    WireName parent = name.subspan(name[0] + 1u);
    if (!known_parent.empty() && names_equal(parent, known_parent)) continue;
    known_parent = parent;
    for (std::size_t offset = name[0] + 1u; offset < name.size(); offset += name[offset] + 1u) {
      WireName suffix = name.subspan(offset);
      std::uint32_t h = hash_name(suffix);
      if (find_mutable(suffix, h)) break;
      Node ent;
      ent.name_data = suffix.data();
      ent.name_length = static_cast<std::uint8_t>(suffix.size());
      ent.flags = f::in_zone | f::empty | (suffix.size() == apex_name.size() ? f::apex : 0);
      // The cut or DNAME in force is this name's ancestor; the suffix is below it if longer.
      if (active_cut != kNone && active_cut != id &&
          suffix.size() > nodes_[active_cut].name_length)
        ent.flags |= f::below_cut;
      if (active_dname != kNone && active_dname != id &&
          suffix.size() > nodes_[active_dname].name_length)
        ent.flags |= f::below_dname;
      empties_.push_back(ent);
      insert(static_cast<std::uint32_t>(empties_.size() - 1) | kEmptyBit, h);
      if (suffix.size() == apex_name.size()) break;
    }
  }
}

// Glue is the address data of name servers (RFC 1034 §4.2.1): marking every name an in-zone
// NS record points at lets the occlusion check tell glue from data nobody can reach.
void ZoneIndex::mark_ns_targets() {
  namespace f = node_flag;
  for (const auto& node : nodes_) {
    if (!node.has(f::ns) || !node.has(f::in_zone) || node.has(f::below_cut)) continue;
    for (auto i : rrset(node, rrtype::NS)) {
      WireName target = trailing_name(rrtype::NS, table_.rdata(table_.entry(i)));
      if (target.empty()) continue;
      if (Node* t = find_mutable(target, hash_name(target))) t->flags |= f::ns_target;
    }
  }
}

std::span<const std::uint32_t> ZoneIndex::rrset(const Node& n, std::uint16_t type) const {
  auto all = records(n);
  std::size_t i = 0;
  while (i < all.size() && table_.entry(all[i]).type != type) ++i;
  std::size_t j = i;
  while (j < all.size() && table_.entry(all[j]).type == type) ++j;
  return all.subspan(i, j - i);
}

void ZoneIndex::insert(std::uint32_t reference, std::uint32_t hash) {
  // Kept at most half full, so probes stay short.
  if ((nodes_.size() + empties_.size()) * 2 > slots_.size()) {
    RegionArray<std::uint64_t> old = std::move(slots_);
    slots_ = RegionArray<std::uint64_t>(old.size() * 2);
    slots_.extend(old.size() * 2);
    slot_mask_ = slots_.size() - 1;
    for (auto s : old) {
      if (s == 0) continue;
      std::size_t i = (s >> 32) & slot_mask_;
      while (slots_[i] != 0) i = (i + 1) & slot_mask_;
      slots_[i] = s;
    }
  }
  std::size_t i = hash & slot_mask_;
  while (slots_[i] != 0) i = (i + 1) & slot_mask_;
  slots_[i] = static_cast<std::uint64_t>(hash) << 32 | (reference + 1u);
}

Node* ZoneIndex::find_mutable(WireName name, std::uint32_t hash) {
  if (slots_.empty()) return nullptr;
  for (std::size_t i = hash & slot_mask_; slots_[i] != 0; i = (i + 1) & slot_mask_) {
    if (slots_[i] >> 32 != hash) continue;
    std::uint32_t r = static_cast<std::uint32_t>(slots_[i]) - 1;
    Node& node = (r & kEmptyBit) ? empties_[r & ~kEmptyBit] : nodes_[r];
    if (names_equal(this->name(node), name)) return &node;
  }
  return nullptr;
}

const Node* ZoneIndex::find(WireName name) const {
  return const_cast<ZoneIndex*>(this)->find_mutable(name, hash_name(name));
}

Resolution ZoneIndex::resolve(WireName name, const Node* near) const {
  namespace f = node_flag;
  using Kind = Resolution::Kind;
  if (!is_subdomain(name, apex())) return {Kind::out_of_zone};
  // The name itself or, failing that, its closest encloser (RFC 4592 §3.3.1).
  const Node* found = near && names_equal(this->name(*near), name) ? near : nullptr;
  std::size_t offset = 0;
  while (!found) {
    WireName suffix = name.subspan(offset);
    found = find(suffix);
    if (found || suffix.size() <= apex_len_) break;
    offset += name[offset] + 1u;
  }
  if (!found) return {Kind::nxdomain};
  const bool exact = offset == 0;
  if (found->has(f::cut) || found->has(f::below_cut))
    return {Kind::delegated, exact ? found : nullptr};
  // RFC 6672 §2.3: a DNAME redirects the names below its owner, not the owner itself.
  if (found->has(f::below_dname) || (!exact && found->has(f::dname))) return {Kind::alias, found};
  if (exact) return {found->has(f::cname) ? Kind::alias : Kind::exists, found};

  // RFC 4592 §3.3.1: the wildcard child of the closest encloser answers for the name.
  WireName encloser = name.subspan(offset);
  if (encloser.size() + 2 > kMaxNameLength) return {Kind::nxdomain};
  std::array<std::uint8_t, kMaxNameLength> wild;
  wild[0] = 1;
  wild[1] = '*';
  std::copy(encloser.begin(), encloser.end(), wild.begin() + 2);
  const Node* w = find({wild.data(), encloser.size() + 2});
  if (!w) return {Kind::nxdomain};
  return {w->has(f::cname) ? Kind::alias : Kind::exists, w, true};
}

const Node* ZoneIndex::enclosing_cut(WireName name) const {
  for (std::size_t offset = 0; offset < name.size() && name.size() - offset > apex_len_;
       offset += name[offset] + 1u) {
    const Node* node = find(name.subspan(offset));
    if (node && node->has(node_flag::cut)) return node;
  }
  return nullptr;
}

}  // namespace mxkit::dns::zonecheck
