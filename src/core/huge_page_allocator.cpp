// Huge-page backed allocations: mmap with room to align to 2 MiB, then MADV_HUGEPAGE.
#include "core/huge_page_allocator.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace mxkit::core {

namespace {
constexpr std::size_t kHuge = std::size_t{2} << 20;
std::size_t round_up(std::size_t n) { return (n + kHuge - 1) & ~(kHuge - 1); }
}  // namespace

void* allocate_huge_pages(std::size_t bytes) {
  const std::size_t size = round_up(bytes);
  // Map one huge page more than needed and unmap the unaligned ends, so the block starts on a
  // 2 MiB boundary and the kernel can back all of it with huge pages.
  void* raw = ::mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<std::uintptr_t>(raw);
  auto aligned = (start + kHuge - 1) & ~(std::uintptr_t{kHuge} - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const std::uintptr_t end = start + size + kHuge;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // advice; failure is harmless
  return reinterpret_cast<void*>(aligned);
}

void free_huge_pages(void* p, std::size_t bytes) {
  if (p) ::munmap(p, round_up(bytes));
}

}  // namespace mxkit::core
