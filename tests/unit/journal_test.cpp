// The IXFR journal: chains of changes, its limits, and its file surviving torn writes.
#include "auth/journal.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dns/rrtype.hpp"

namespace auth = mxkit::auth;
namespace dns = mxkit::dns;

namespace {

dns::Record soa(std::uint32_t serial) {
  dns::Record r;
  r.owner = *dns::Name::from_text("example.");
  r.type = dns::rrtype::SOA;
  r.ttl = 60;
  // ns.example. h.example. serial 1 2 3 4
  r.rdata = {2, 'n', 's', 7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
             1, 'h', 7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  for (std::uint32_t v : {serial, 1u, 2u, 3u, 4u})
    for (int shift = 24; shift >= 0; shift -= 8)
      r.rdata.push_back(static_cast<std::uint8_t>(v >> shift));
  return r;
}

dns::Record a_record(const std::string& owner, std::uint8_t last) {
  dns::Record r;
  r.owner = *dns::Name::from_text(owner + ".example.");
  r.type = dns::rrtype::A;
  r.ttl = 300;
  r.rdata = {192, 0, 2, last};
  return r;
}

auth::ZoneDiff change(std::uint32_t from, std::uint32_t to) {
  auth::ZoneDiff d{soa(from), soa(to), {}, {}};
  d.removed.push_back(a_record(fmt::format("h{}", from), static_cast<std::uint8_t>(from)));
  d.added.push_back(a_record(fmt::format("h{}", to), static_cast<std::uint8_t>(to)));
  return d;
}

std::vector<std::uint8_t> encoded(const std::vector<auth::ZoneDiff>& changes) {
  std::vector<std::uint8_t> out(auth::kJournalMagic.begin(), auth::kJournalMagic.end());
  for (const auto& c : changes) {
    auto e = auth::encode_journal_entry(c);
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

}  // namespace

TEST(Journal, ChainsBetweenSerials) {
  auth::Journal j;
  for (std::uint32_t s = 1; s < 4; ++s) EXPECT_EQ(j.append(change(s, s + 1)), 0u);
  struct Case {
    std::uint32_t from, to;
    std::size_t length;
  };
  const Case cases[] = {{1, 4, 3}, {2, 4, 2}, {3, 4, 1}, {1, 3, 2},
                        {0, 4, 0}, {4, 4, 0}, {1, 9, 0}};
  for (const auto& c : cases) {
    auto chain = j.chain(c.from, c.to);
    EXPECT_EQ(chain.size(), c.length) << c.from << " → " << c.to;
    if (!chain.empty()) {
      EXPECT_EQ(chain.front()->from(), c.from);
      EXPECT_EQ(chain.back()->to(), c.to);
    }
  }
}

TEST(Journal, BoundedByChangesAndBytes) {
  auth::Journal j({2, std::size_t{1} << 20});
  j.append(change(1, 2));
  j.append(change(2, 3));
  EXPECT_EQ(j.append(change(3, 4)), 1u);  // the oldest goes
  EXPECT_EQ(j.changes().size(), 2u);
  EXPECT_TRUE(j.chain(1, 4).empty());
  EXPECT_EQ(j.chain(2, 4).size(), 2u);

  auth::Journal small({100, change(1, 2).wire_size() * 2});
  for (std::uint32_t s = 1; s < 6; ++s) small.append(change(s, s + 1));
  EXPECT_EQ(small.changes().size(), 2u);
  EXPECT_LE(small.bytes(), change(1, 2).wire_size() * 2);

  auth::Journal tiny({100, change(1, 2).wire_size() - 1});
  tiny.append(change(1, 2));
  EXPECT_TRUE(tiny.empty());  // a change larger than the journal is not kept
  EXPECT_TRUE(tiny.chain(1, 2).empty());
}

TEST(Journal, AChangeThatDoesNotFollowStartsAgain) {
  auth::Journal j;
  j.append(change(1, 2));
  j.append(change(2, 3));
  EXPECT_EQ(j.append(change(7, 8)), 2u);
  ASSERT_EQ(j.changes().size(), 1u);
  EXPECT_EQ(j.changes().front().from(), 7u);
}

TEST(JournalFile, EntriesRoundTrip) {
  std::vector<auth::ZoneDiff> changes = {change(1, 2), change(2, 3)};
  auto data = encoded(changes);
  auto decoded = auth::decode_journal(data);
  EXPECT_TRUE(decoded.warning.empty()) << decoded.warning;
  EXPECT_EQ(decoded.valid_length, data.size());
  ASSERT_EQ(decoded.changes.size(), 2u);
  EXPECT_EQ(decoded.changes[0], changes[0]);
  EXPECT_EQ(decoded.changes[1], changes[1]);
  EXPECT_TRUE(auth::decode_journal({}).changes.empty());
}

TEST(JournalFile, BrokenTailIsCut) {
  auto whole = encoded({change(1, 2), change(2, 3)});
  const std::size_t first_end = encoded({change(1, 2)}).size();
  struct Case {
    const char* what;
    std::vector<std::uint8_t> data;
    std::size_t changes;
    const char* warning;
  };
  auto torn = whole;
  torn.resize(whole.size() - 3);
  auto torn_header = whole;
  torn_header.resize(first_end + 5);
  auto flipped = whole;
  flipped[first_end + 20] ^= 0x40;
  auto huge_length = whole;
  huge_length[first_end] = 0x7F;
  std::vector<std::uint8_t> not_journal = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  const Case cases[] = {
      {"torn inside the payload", torn, 1, "torn"},
      {"torn inside the length", torn_header, 1, "torn"},
      {"a flipped bit", flipped, 1, "checksum"},
      {"a length past the end", huge_length, 1, "torn"},
      {"not a journal", not_journal, 0, "magic"},
  };
  for (const auto& c : cases) {
    auto decoded = auth::decode_journal(c.data);
    EXPECT_EQ(decoded.changes.size(), c.changes) << c.what;
    EXPECT_NE(decoded.warning.find(c.warning), std::string::npos)
        << c.what << ": " << decoded.warning;
    if (c.changes == 1) {
      EXPECT_EQ(decoded.valid_length, first_end) << c.what;
    }
  }
}

TEST(JournalFile, WriteAppendReadAndCut) {
  auto dir = std::filesystem::temp_directory_path() /
             fmt::format("mxkit-journal-{}", ::testing::UnitTest::GetInstance()->random_seed());
  std::filesystem::create_directories(dir);
  auto path = dir / "example.jnl";
  std::filesystem::remove(path);
  auto missing = auth::read_journal_file(path);
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->changes.empty());

  ASSERT_TRUE(auth::append_journal_file(path, change(1, 2)));
  ASSERT_TRUE(auth::append_journal_file(path, change(2, 3)));
  auto read = auth::read_journal_file(path);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->changes.size(), 2u);

  // A crash in the middle of the next append leaves half an entry: it is cut off on reading.
  const auto good_size = std::filesystem::file_size(path);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    auto entry = auth::encode_journal_entry(change(3, 4));
    out.write(reinterpret_cast<const char*>(entry.data()),
              static_cast<std::streamsize>(entry.size() / 2));
  }
  auto cut = auth::read_journal_file(path);
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->changes.size(), 2u);
  EXPECT_FALSE(cut->warning.empty());
  EXPECT_EQ(std::filesystem::file_size(path), good_size);

  auth::Journal j({1, std::size_t{1} << 20});
  for (auto& c : cut->changes) j.append(std::move(c));
  ASSERT_TRUE(auth::write_journal_file(path, j));
  auto rewritten = auth::read_journal_file(path);
  ASSERT_TRUE(rewritten);
  ASSERT_EQ(rewritten->changes.size(), 1u);
  EXPECT_EQ(rewritten->changes[0].to(), 3u);
  std::filesystem::remove_all(dir);
}
