// Append-only memory that never moves: one large virtual reservation, filled from the front.
// Big tables (a zone's records, a zone file's text) live here so that growing them never
// copies, never doubles the peak, and faults in 2 MiB pages where the kernel allows
// (MADV_HUGEPAGE): on virtual machines 4 KiB page faults cost more than parsing the data.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mxkit::core {

class ReservedRegion {
 public:
  // Reserves address space for up to `max_bytes`; memory is committed only when touched.
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
  std::uint8_t* extend(std::size_t n);

 private:
  std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace mxkit::core
