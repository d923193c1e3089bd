// ReservedRegion on Linux: mmap(MAP_NORESERVE) + madvise(MADV_HUGEPAGE).
#include "core/reserved_region.hpp"

#include <sys/mman.h>

#include <new>
#include <stdexcept>
#include <utility>

namespace mxkit::core {

ReservedRegion::ReservedRegion(std::size_t max_bytes) : capacity_(max_bytes) {
  if (max_bytes == 0) return;
  void* p = ::mmap(nullptr, max_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Advice only: without transparent huge pages the region still works with 4 KiB pages.
  ::madvise(p, max_bytes, MADV_HUGEPAGE);
  base_ = static_cast<std::uint8_t*>(p);
}

ReservedRegion::~ReservedRegion() {
  if (base_) ::munmap(base_, capacity_);
}

ReservedRegion::ReservedRegion(ReservedRegion&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

ReservedRegion& ReservedRegion::operator=(ReservedRegion&& other) noexcept {
  if (this != &other) {
    if (base_) ::munmap(base_, capacity_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

std::uint8_t* ReservedRegion::extend(std::size_t n) {
  if (n > capacity_ - size_) throw std::length_error("reserved memory region is full");
  std::uint8_t* p = base_ + size_;
  size_ += n;
  return p;
}

}  // namespace mxkit::core
