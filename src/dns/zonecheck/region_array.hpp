// A growable array of plain values in a core::ReservedRegion, for the index's big tables: it
// never moves (its whole size is taken up front), and a big one faults in huge pages, where a std::vector of a million entries takes a
// few thousand 4 KiB page faults (dear on virtual machines) and copies itself as it grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/reserved_region.hpp"

namespace mxkit::dns::zonecheck {

template <class T>
class RegionArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  RegionArray() : region_(0) {}
  // Takes room for `max_size` values; memory is committed only as it is used.
  explicit RegionArray(std::size_t max_size)
      : region_(max_size * sizeof(T), max_size * sizeof(T)) {}

  std::size_t size() const { return region_.size() / sizeof(T); }
  bool empty() const { return size() == 0; }
  T* data() { return reinterpret_cast<T*>(region_.data()); }
  const T* data() const { return reinterpret_cast<const T*>(region_.data()); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& back() { return data()[size() - 1]; }
  T* begin() { return data(); }
  T* end() { return data() + size(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }

  void push_back(const T& value) { *reinterpret_cast<T*>(region_.extend(sizeof(T))) = value; }
  // Appends `n` values, zero-filled.
  T* extend(std::size_t n) { return reinterpret_cast<T*>(region_.extend(n * sizeof(T))); }

 private:
  core::ReservedRegion region_;
};

}  // namespace mxkit::dns::zonecheck
