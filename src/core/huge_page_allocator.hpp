// An allocator for large, long-lived tables (a zone's index, nodes and RRsets) that puts them on
// 2 MiB pages where the kernel allows. Answering a query touches a handful of random places in
// these tables; with 4 KiB pages each touch is also a TLB miss, and under a hypervisor's nested
// paging a TLB miss costs more than the lookup itself. Small allocations use operator new.
#pragma once

#include <cstddef>
#include <new>

namespace mxkit::core {

// Raw pages: at least `bytes`, aligned to 2 MiB, advised as huge pages. Never returns null.
void* allocate_huge_pages(std::size_t bytes);
void free_huge_pages(void* p, std::size_t bytes);
inline constexpr std::size_t kHugePageThreshold = std::size_t{1} << 20;

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePageThreshold) return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    return static_cast<T*>(allocate_huge_pages(bytes));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePageThreshold)
      ::operator delete(p, std::align_val_t{alignof(T)});
    else
      free_huge_pages(p, bytes);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

}  // namespace mxkit::core
