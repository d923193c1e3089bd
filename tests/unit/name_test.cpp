#include <gtest/gtest.h>
#include "dns/name.hpp"
TEST(Name, Root) { EXPECT_EQ(mxkit::dns::Name().to_text(), "."); }
