// Reload what changed (issue 11): load_zones() with the previous load re-reads exactly the zones
// whose files changed in size, mtime or inode, and shares the others (the same Zone object).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/ixfr.hpp"
#include "auth/server.hpp"
#include "auth/zone_files.hpp"

namespace {

namespace fs = std::filesystem;
using mxkit::auth::load_zones;
using mxkit::auth::ZoneSource;

class ZoneReload : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mxkit-reload-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    for (int i = 0; i < 5; ++i) {
      write(i, 1);
      sources_.push_back({*mxkit::dns::Name::from_text(origin(i)), path(i), {}, {}});
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string origin(int i) { return fmt::format("z{}.test.", i); }
  fs::path path(int i) const { return dir_ / fmt::format("z{}.zone", i); }
  void write(int i, int serial, const fs::path& to = {}) {
    std::ofstream out(to.empty() ? path(i) : to, std::ios::trunc);
    out << fmt::format(
        "$ORIGIN {}\n$TTL 300\n@ SOA ns1 hostmaster {} 7200 3600 1209600 300\n"
        "@ NS ns1\nns1 A 192.0.2.1\n",
        origin(i), serial);
  }

  fs::path dir_;
  std::vector<ZoneSource> sources_;
};

TEST_F(ZoneReload, UnchangedFilesAreSharedNotReread) {
  auto first = load_zones(sources_);
  ASSERT_TRUE(first.refused.empty());
  EXPECT_EQ(first.reread, 5u);
  EXPECT_EQ(first.kept, 0u);
  auto second = load_zones(sources_, &first);
  ASSERT_TRUE(second.refused.empty());
  EXPECT_EQ(second.reread, 0u);
  EXPECT_EQ(second.kept, 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(second.zones[i].zone, first.zones[i].zone);
  EXPECT_EQ(second.set->size(), 5u);
}

TEST_F(ZoneReload, EachKindOfChangeRereadsOnlyThatZone) {
  auto before = load_zones(sources_);
  ASSERT_TRUE(before.refused.empty());
  // 1: new content of another size, written in place.
  write(1, 20260101);
  // 2: same size, new mtime (touch).
  {
    struct timespec times[2] = {{0, UTIME_OMIT}, {123456789, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path(2).c_str(), times, 0), 0);
  }
  // 3: same size and mtime, new inode (an editor's write-and-rename).
  {
    struct stat st {};
    ASSERT_EQ(::stat(path(3).c_str(), &st), 0);
    fs::path temp = dir_ / "z3.zone.new";
    write(3, 1, temp);
    struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
    ASSERT_EQ(::utimensat(AT_FDCWD, temp.c_str(), times, 0), 0);
    fs::rename(temp, path(3));
  }
  auto after = load_zones(sources_, &before);
  ASSERT_TRUE(after.refused.empty());
  EXPECT_EQ(after.reread, 3u);
  EXPECT_EQ(after.kept, 2u);
  EXPECT_EQ(after.zones[0].zone, before.zones[0].zone);
  EXPECT_EQ(after.zones[4].zone, before.zones[4].zone);
  for (int i : {1, 2, 3}) EXPECT_NE(after.zones[i].zone, before.zones[i].zone) << i;
  EXPECT_EQ(mxkit::auth::zone_serial(*after.zones[1].zone), 20260101u);
}

TEST_F(ZoneReload, AChangedIncludedFileRereadsItsZone) {
  std::ofstream(dir_ / "extra.inc") << "www A 192.0.2.80\n";
  std::ofstream(path(0), std::ios::app) << "$INCLUDE " << (dir_ / "extra.inc").string() << "\n";
  auto before = load_zones(sources_);
  ASSERT_TRUE(before.refused.empty());
  ASSERT_EQ(before.zones[0].files.size(), 2u);
  std::ofstream(dir_ / "extra.inc", std::ios::app) << "ftp A 192.0.2.21\n";
  auto after = load_zones(sources_, &before);
  ASSERT_TRUE(after.refused.empty());
  EXPECT_EQ(after.reread, 1u);
  EXPECT_NE(after.zones[0].zone, before.zones[0].zone);
}

TEST_F(ZoneReload, ABrokenChangedZoneIsRefusedNamedAndKeepsItsCopy) {
  auto before = load_zones(sources_);
  ASSERT_TRUE(before.refused.empty());
  std::ofstream(path(4), std::ios::trunc) << "@ SOA broken\n";
  write(1, 20260101);
  auto after = load_zones(sources_, &before);
  ASSERT_EQ(after.refused.size(), 1u);
  EXPECT_EQ(after.refused[0].origin.to_text(), "z4.test.");
  EXPECT_TRUE(after.refused[0].previous_copy);
  EXPECT_EQ(after.zones[4].zone, before.zones[4].zone);  // the old copy goes on serving
  EXPECT_NE(after.zones[1].zone, before.zones[1].zone);  // the others are reloaded
  EXPECT_EQ(after.set->size(), 5u);
}

// Out of address space (ulimit -v) is an error naming the zone, not std::bad_alloc: a zone file
// that stat(2) says is 3 GiB (sparse) asks for room in proportion, which a 2 GiB limit refuses.
#if defined(__SANITIZE_ADDRESS__)
#define MXKIT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MXKIT_UNDER_ASAN 1
#endif
#endif

TEST_F(ZoneReload, OutOfMemoryIsAnErrorNamingTheZone) {
#ifdef MXKIT_UNDER_ASAN
  GTEST_SKIP() << "ASan's shadow memory cannot live under the address-space limit this sets";
#endif
  fs::resize_file(path(2), std::uintmax_t{3} << 30);
  auto load_limited = [this] {
    struct rlimit limit {};
    limit.rlim_cur = limit.rlim_max = rlim_t{2} << 30;
    if (::setrlimit(RLIMIT_AS, &limit) != 0) std::_Exit(2);
    auto loaded = load_zones(sources_);
    if (loaded.refused.size() != 1) std::_Exit(1);
    std::fprintf(stderr, "%s\n", mxkit::auth::format_refused(loaded.refused[0], "; ").c_str());
    std::_Exit(0);
  };
  EXPECT_EXIT(load_limited(), ::testing::ExitedWithCode(0), "zone z2.test. .*: out of memory");
}

}  // namespace
