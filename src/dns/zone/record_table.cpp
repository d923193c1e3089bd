// RecordTable storage and ordering.
#include "dns/zone/record_table.hpp"

#include <algorithm>
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
  std::vector<std::uint32_t> order(size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
    const Entry& x = entry(a);
    const Entry& y = entry(b);
    if (x.owner != y.owner) {
      auto c = canonical_compare(owner(x), owner(y));
      if (c != 0) return c < 0;
    }
    auto rank = [](std::uint16_t t) { return t == rrtype::SOA ? 0u : 1u + t; };
    if (x.type != y.type) return rank(x.type) < rank(y.type);
    auto rx = rdata(x), ry = rdata(y);
    return std::lexicographical_compare(rx.begin(), rx.end(), ry.begin(), ry.end());
  });
  return order;
}

}  // namespace mxkit::dns::zone
