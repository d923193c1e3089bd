// Append-only memory for big tables (a zone's records and their index), sized by its content:
// a small region lives on the heap (a ten-record zone costs some hundred octets, and 100,000
// zones do not each take a mapping of their own), a larger one in its own mapping that grows
// geometrically by moving its pages (mremap: no copy, no doubled peak). Past kHugeFrom the
// mapping is advised for 2 MiB pages (MADV_HUGEPAGE) and a helper thread faults pages in ahead
// of use: on virtual machines first-touch page faults cost more than parsing the data, but a
// whole 2 MiB page for a small zone would cost more memory than the zone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace mxkit::core {

class ReservedRegion {
 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  // Regions up to this size are heap blocks.
  static constexpr std::size_t kHeapLimit = std::size_t{64} << 10;
  // Mappings from this size start on a 2 MiB boundary and are advised for huge pages.
  static constexpr std::size_t kHugeFrom = std::size_t{8} << 20;

  // Holds up to `max_bytes`. `reserve` octets are taken at once (a region reserved whole never
  // moves); past them the region grows as extend() needs, and its data may move.
  explicit ReservedRegion(std::size_t max_bytes, std::size_t reserve = 0);
  ~ReservedRegion();
  ReservedRegion(ReservedRegion&& other) noexcept;
  ReservedRegion& operator=(ReservedRegion&& other) noexcept;
  ReservedRegion(const ReservedRegion&) = delete;
  ReservedRegion& operator=(const ReservedRegion&) = delete;

  std::uint8_t* data() { return base_; }
  const std::uint8_t* data() const { return base_; }
  std::size_t size() const { return size_; }
  // Octets held now (heap block or address space); at least size().
  std::size_t capacity() const { return reserved_; }
  std::size_t max_size() const { return max_; }
  bool huge_pages() const { return huge_; }

  // Takes room for `bytes` octets in all (at most max_size()) now. Throws std::bad_alloc when
  // the memory cannot be had.
  void reserve(std::size_t bytes);
  // Gives back what is held beyond size() (a heap block shrinks; a mapping's pages past the
  // used ones are released), once a table is complete. It may grow again after.
  void shrink_to_fit();

  // Appends `n` zeroed bytes and returns where they start (valid until the next extend()).
  // Throws std::length_error past max_size(), std::bad_alloc when memory runs out.
  std::uint8_t* extend(std::size_t n) {
    if (n > reserved_ - size_) grow(n);
    std::uint8_t* p = base_ + size_;
    size_ += n;
    if (size_ >= next_populate_) populate_more();
    return p;
  }

 private:
  struct Populator;  // a thread that faults pages in ahead of extend(), on the other core

  std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t reserved_ = 0;
  std::size_t max_ = 0;
  bool on_heap_ = false;
  bool huge_ = false;
  std::size_t next_populate_ = 0;  // extend() calls populate_more() once size_ reaches this
  std::unique_ptr<Populator> populator_;

  void grow(std::size_t n);
  void resize_to(std::size_t bytes);
  void populate_more();
  void release();
};

}  // namespace mxkit::core
