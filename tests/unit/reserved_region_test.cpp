// ReservedRegion: append-only memory sized by its content: heap while small, a mapping that
// grows by moving its pages, huge-page aligned past 8 MiB, with a helper thread that faults pages
// in ahead; contents must survive all of it, moves included.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "core/reserved_region.hpp"

using mxkit::core::ReservedRegion;

namespace {

TEST(ReservedRegion, ReservedWholeGrowsInPlaceAlignedAndKeepsContents) {
  ReservedRegion region(std::size_t{64} << 20, std::size_t{64} << 20);
  EXPECT_TRUE(region.huge_pages());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(region.data()) % ReservedRegion::kHugePage, 0u);
  const std::uint8_t* base = region.data();
  // 40 MiB in 4 KiB steps: well past the point where the populator thread starts.
  for (std::uint32_t i = 0; i < 10240; ++i) {
    std::uint8_t* p = region.extend(4096);
    std::memset(p, static_cast<int>(i & 0xFF), 4096);
    std::memcpy(p, &i, sizeof i);
  }
  EXPECT_EQ(region.data(), base);  // never moved
  EXPECT_EQ(region.size(), std::size_t{40} << 20);
  ReservedRegion moved = std::move(region);  // the populator goes with it
  for (std::uint32_t i = 0; i < 10240; i += 97) {
    const std::uint8_t* p = moved.data() + std::size_t{i} * 4096;
    std::uint32_t stamp;
    std::memcpy(&stamp, p, sizeof stamp);
    ASSERT_EQ(stamp, i);
    ASSERT_EQ(p[4095], static_cast<std::uint8_t>(i & 0xFF));
  }
  moved.extend(1);  // still growing after the move
  EXPECT_EQ(region.size(), 0u);
}

TEST(ReservedRegion, FullIsAnError) {
  ReservedRegion region(100);
  region.extend(60);
  EXPECT_THROW(region.extend(41), std::length_error);
  EXPECT_NO_THROW(region.extend(40));
  ReservedRegion empty(0);
  EXPECT_THROW(empty.extend(1), std::length_error);
}

TEST(ReservedRegion, SmallStaysSmallOnTheHeap) {
  // A ten-record zone's arena: a few hundred octets, not a 2 MiB page or a mapping.
  ReservedRegion region(std::size_t{1} << 32);
  EXPECT_EQ(region.capacity(), 0u);
  for (int i = 0; i < 40; ++i) region.extend(10);
  EXPECT_EQ(region.size(), 400u);
  EXPECT_LE(region.capacity(), 1024u);
  EXPECT_FALSE(region.huge_pages());
  for (std::size_t i = 0; i < region.size(); ++i) ASSERT_EQ(region.data()[i], 0) << i;
}

TEST(ReservedRegion, GrowsGeometricallyFromHeapToHugePagesKeepingContents) {
  ReservedRegion region(std::size_t{1} << 32);
  std::size_t moves = 0;
  const std::uint8_t* last = nullptr;
  // 24 MiB in 1000-octet steps: heap, then a mapping, then past kHugeFrom with the populator.
  for (std::uint32_t i = 0; i < 24 * 1024 * 1024 / 1000; ++i) {
    std::uint8_t* p = region.extend(1000);
    std::memcpy(p, &i, sizeof i);
    if (region.data() != last) ++moves;
    last = region.data();
    ASSERT_LE(region.capacity(), 2 * region.size() + 4096);  // proportional to content
  }
  EXPECT_LE(moves, 20u);  // doubling: about log2(24 MiB / 256)
  EXPECT_TRUE(region.huge_pages());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(region.data()) % ReservedRegion::kHugePage, 0u);
  for (std::uint32_t i = 0; i < 24 * 1024 * 1024 / 1000; i += 101) {
    std::uint32_t stamp;
    std::memcpy(&stamp, region.data() + std::size_t{i} * 1000, sizeof stamp);
    ASSERT_EQ(stamp, i);
  }
}

}  // namespace
