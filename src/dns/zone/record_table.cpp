// RecordTable storage and ordering.
#include "dns/zone/record_table.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "dns/rrtype.hpp"

namespace mxkit::dns::zone {

std::uint32_t RecordTable::store(std::span<const std::uint8_t> bytes) {
  if (used_ + bytes.size() > kBlockSize) {
    if ((blocks_.size() + 1) * kBlockSize > 0xFFFFFFFFull)
      throw std::length_error("zone larger than 4 GiB of record data");
    blocks_.push_back(std::make_unique<std::uint8_t[]>(kBlockSize));
    used_ = 0;
  }
  auto offset = static_cast<std::uint32_t>((blocks_.size() - 1) * kBlockSize + used_);
  if (!bytes.empty()) std::memcpy(blocks_.back().get() + used_, bytes.data(), bytes.size());
  used_ += bytes.size();
  return offset;
}

std::uint16_t RecordTable::file_index(std::string_view file) {
  // Records arrive file by file, so the last file is almost always the one.
  if (!files_.empty() && files_.back() == file) return static_cast<std::uint16_t>(files_.size() - 1);
  for (std::size_t i = 0; i < files_.size(); ++i)
    if (files_[i] == file) return static_cast<std::uint16_t>(i);
  files_.emplace_back(file);
  return static_cast<std::uint16_t>(files_.size() - 1);
}

void RecordTable::add(const RecordView& r) {
  Entry e{};
  // Consecutive records of one owner share its stored name.
  if (last_owner_len_ == r.owner.size() && !entries_.empty() &&
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
  entries_.push_back(e);
}

std::vector<std::uint32_t> RecordTable::canonical_order() const {
  std::vector<std::uint32_t> order(entries_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
    const Entry& x = entries_[a];
    const Entry& y = entries_[b];
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
