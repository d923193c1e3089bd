// ReservedRegion: append-only memory that never moves, huge-page aligned, and (past 8 MiB) a
// helper thread that faults pages in ahead; contents must survive all of it, moves included.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "core/reserved_region.hpp"

using mxkit::core::ReservedRegion;

namespace {

TEST(ReservedRegion, GrowsInPlaceAlignedAndKeepsContents) {
  ReservedRegion region(std::size_t{64} << 20);
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

}  // namespace
