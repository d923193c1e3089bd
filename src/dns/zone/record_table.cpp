// RecordTable storage and ordering.
#include "dns/zone/record_table.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include "dns/rrtype.hpp"

namespace mxkit::dns::zone {

std::uint32_t RecordTable::store(std::span<const std::uint8_t> bytes) {
  if (bytes_.size() + bytes.size() > 0xFFFFFFFFull)
    throw std::length_error("zone larger than 4 GiB of record data");
  auto offset = static_cast<std::uint32_t>(bytes_.size());
  std::uint8_t* p = bytes_.extend(bytes.size());
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return offset;
}

void RecordTable::reserve_for_file(std::size_t file_bytes) {
  // A master file line of a big zone is about 30 octets of text for 20 to 30 of wire data and a
  // 24-octet entry; small files are left to grow from the heap.
  if (file_bytes <= core::ReservedRegion::kHeapLimit) return;
  bytes_.reserve(file_bytes);
  entries_.reserve(file_bytes / 24 * sizeof(Entry));
}

std::uint16_t RecordTable::file_index(std::string_view file) {
  // Records arrive file by file, so the file of the previous record is almost always the one.
  if (last_file_ < files_.size() && files_[last_file_] == file) return last_file_;
  std::size_t i = 0;
  while (i < files_.size() && files_[i] != file) ++i;
  if (i == files_.size()) {
    if (i > 0xFFFF) throw std::length_error("more than 65536 zone files");
    files_.emplace_back(file);
  }
  last_file_ = static_cast<std::uint16_t>(i);
  return last_file_;
}

void RecordTable::add(const RecordView& r) {
  Entry e{};
  // Consecutive records of one owner share its stored name.
  if (last_owner_len_ == r.owner.size() && size() != 0 &&
      std::memcmp(at(last_owner_), r.owner.data(), r.owner.size()) == 0) {
    e.owner = last_owner_;
  } else {
    e.owner = store(r.owner);
    last_owner_ = e.owner;
    last_owner_len_ = r.owner.size();
  }
  e.rdata = store(r.rdata);
  e.rdlength = static_cast<std::uint16_t>(r.rdata.size());
  e.type = r.type;
  e.rclass = r.rclass;
  e.file = file_index(r.file);
  e.ttl = r.ttl;
  e.line = r.line;
  std::memcpy(entries_.extend(sizeof(Entry)), &e, sizeof(Entry));
}

std::vector<std::uint32_t> RecordTable::canonical_order() const {
  // Consecutive records of one owner share its stored name (add() sees to it), so the records
  // fall into runs; each run gets a canonical key (one memcmp per comparison instead of a
  // label walk), the runs are sorted, and the few records of each name then by type and rdata.
  struct Run {
    std::uint32_t key;  // offset into keys
    std::uint32_t first;
    std::uint32_t count;
    std::uint16_t key_length;
  };
  const std::size_t n = size();
  std::vector<Run> runs;
  std::vector<std::uint8_t> keys;
  std::array<std::uint8_t, kMaxCanonicalKeyLength> key;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (i > 0 && entry(i).owner == entry(i - 1).owner) {
      ++runs.back().count;
      continue;
    }
    std::size_t length = canonical_name_key(owner(entry(i)), key.data());
    runs.push_back({static_cast<std::uint32_t>(keys.size()), i, 1, static_cast<std::uint16_t>(length)});
    keys.insert(keys.end(), key.begin(), key.begin() + static_cast<std::ptrdiff_t>(length));
  }
  auto compare_keys = [&](const Run& a, const Run& b) {
    int c = std::memcmp(keys.data() + a.key, keys.data() + b.key, std::min(a.key_length, b.key_length));
    if (c != 0) return c;
    return a.key_length == b.key_length ? 0 : (a.key_length < b.key_length ? -1 : 1);
  };
  // Stable, so that runs of one name split across the file keep file order.
  std::stable_sort(runs.begin(), runs.end(),
                   [&](const Run& a, const Run& b) { return compare_keys(a, b) < 0; });
  std::vector<std::uint32_t> order;
  order.reserve(n);
  auto rank = [](std::uint16_t t) { return t == rrtype::SOA ? 0u : 1u + t; };
  for (std::size_t r = 0; r < runs.size();) {
    std::size_t name_begin = order.size();
    std::size_t next = r;
    for (; next < runs.size() && compare_keys(runs[r], runs[next]) == 0; ++next)
      for (std::uint32_t k = 0; k < runs[next].count; ++k) order.push_back(runs[next].first + k);
    std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(name_begin), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) {
                       const Entry& x = entry(a);
                       const Entry& y = entry(b);
                       if (x.type != y.type) return rank(x.type) < rank(y.type);
                       auto rx = rdata(x), ry = rdata(y);
                       return std::lexicographical_compare(rx.begin(), rx.end(), ry.begin(), ry.end());
                     });
    r = next;
  }
  return order;
}

}  // namespace mxkit::dns::zone
