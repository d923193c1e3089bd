// Append-only memory that never moves: one large virtual reservation, filled from the front.
// Big tables (a zone's records and their index) live here so that growing them never copies,
// never doubles the peak, and faults in 2 MiB pages where the kernel allows (MADV_HUGEPAGE):
// on virtual machines first-touch page faults cost more than parsing the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace mxkit::core {

class ReservedRegion {
 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  // Reserves address space for up to `max_bytes`, starting on a huge-page boundary; memory is
  // committed only when touched.
  explicit ReservedRegion(std::size_t max_bytes);
  ~ReservedRegion();
  ReservedRegion(ReservedRegion&& other) noexcept;
  ReservedRegion& operator=(ReservedRegion&& other) noexcept;
  ReservedRegion(const ReservedRegion&) = delete;
  ReservedRegion& operator=(const ReservedRegion&) = delete;

  std::uint8_t* data() { return base_; }
  const std::uint8_t* data() const { return base_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }

  // Appends `n` bytes (uninitialised unless fresh from the kernel, which zeroes them) and
  // returns where they start. Throws std::length_error past the reservation.
  std::uint8_t* extend(std::size_t n) {
    if (n > capacity_ - size_) throw_full();
    std::uint8_t* p = base_ + size_;
    size_ += n;
    if (size_ >= next_populate_) populate_more();
    return p;
  }

 private:
  struct Populator;  // a thread that faults pages in ahead of extend(), on the other core

  std::uint8_t* mapping_ = nullptr;  // what mmap returned (base_ is aligned within it)
  std::size_t mapping_size_ = 0;
  std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::size_t next_populate_ = 0;  // extend() calls populate_more() once size_ reaches this
  std::unique_ptr<Populator> populator_;

  [[noreturn]] static void throw_full();
  void populate_more();
  void release();
};

}  // namespace mxkit::core
