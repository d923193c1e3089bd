// A crash may cut a spool file at any octet. Every cut of the first write must make the file
// disappear at recovery (no 250 was given for it); every cut of a later state record must
// give back the state before that record, and the spool must keep working on that file.
#include <fstream>

#include <gtest/gtest.h>

#include "queue/spool.hpp"
#include "queue/spool_file.hpp"
#include "queue_test_util.hpp"

namespace mxkit::queue {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct Prepared {
  Message first;          // the state after the first update
  std::string committed;  // the file after store()
  std::string one;        // after the first update
  std::string two;        // after the second update
};

Prepared prepare(const fs::path& dir) {
  Prepared p;
  auto spool = Spool::open(dir, SpoolOptions{.commit_threads = 1});
  NewMessage n;
  n.sender = "a@example.test";
  n.recipients = {"b@example.test", "c@example.test"};
  n.content = "Subject: x\r\n\r\nbody\r\n";
  auto m = (*spool)->store_sync(n);
  EXPECT_TRUE(m);
  fs::path path = dir / "queue" / m->id;
  p.committed = file_bytes(path);
  m->recipients[0].state = RecipientState::Delivered;
  m->recipients[1].last_reply = "451 4.7.1 greylisted";
  m->attempts = 1;
  EXPECT_TRUE((*spool)->update(*m));
  p.first = *m;
  p.one = file_bytes(path);
  m->recipients[1].state = RecipientState::Bounced;
  m->recipients[1].last_reply = "550 5.1.1 no such user";
  m->attempts = 2;
  EXPECT_TRUE((*spool)->update(*m));
  p.two = file_bytes(path);
  return p;
}

TEST(SpoolCrash, EveryCutOfTheFirstWriteIsIncomplete) {
  TempDir dir;
  Prepared p = prepare(dir.path());
  for (std::size_t cut = 0; cut < p.committed.size(); ++cut) {
    auto d = spool_file::decode(std::string_view(p.committed).substr(0, cut));
    ASSERT_FALSE(d) << "cut at " << cut;
    EXPECT_EQ(d.error().kind, spool_file::DecodeError::Incomplete)
        << "cut at " << cut << ": " << d.error().reason;
  }
  EXPECT_TRUE(spool_file::decode(p.committed));
}

TEST(SpoolCrash, RecoveryDropsAFileCutBeforeItsCommit) {
  TempDir dir;
  Prepared p = prepare(dir.path());
  fs::path path = dir.path() / "queue" / p.first.id;
  // Spool::open per cut is slow-ish (threads, fsyncs): every 7th octet plus both ends.
  for (std::size_t cut = 0; cut < p.committed.size();
       cut += (cut + 7 < p.committed.size() ? 7 : 1)) {
    write_bytes(path, std::string_view(p.committed).substr(0, cut));
    auto spool = Spool::open(dir.path(), SpoolOptions{.commit_threads = 1});
    ASSERT_TRUE(spool);
    EXPECT_TRUE((*spool)->recovered().empty()) << "cut at " << cut;
    EXPECT_FALSE(fs::exists(path)) << "cut at " << cut;
  }
}

TEST(SpoolCrash, EveryCutOfTheLastRecordRecoversThePreviousState) {
  TempDir dir;
  Prepared p = prepare(dir.path());
  fs::path path = dir.path() / "queue" / p.first.id;
  ASSERT_GT(p.two.size(), p.one.size());
  for (std::size_t cut = p.one.size(); cut < p.two.size(); ++cut) {
    write_bytes(path, std::string_view(p.two).substr(0, cut));
    auto spool = Spool::open(dir.path(), SpoolOptions{.commit_threads = 1});
    ASSERT_TRUE(spool);
    auto rec = (*spool)->recovered();
    ASSERT_EQ(rec.size(), 1u) << "cut at " << cut;
    const Message& m = rec[0];
    EXPECT_EQ(m.attempts, 1u) << "cut at " << cut;
    EXPECT_EQ(m.recipients[0].state, RecipientState::Delivered);
    EXPECT_EQ(m.recipients[1].state, RecipientState::Pending);
    EXPECT_EQ(m.recipients[1].last_reply, "451 4.7.1 greylisted");
    // The torn tail was cut off, so the next update is read back.
    EXPECT_EQ(fs::file_size(path), p.one.size()) << "cut at " << cut;
  }
  // After the last cut's recovery, a new update lands and is recovered.
  auto spool = Spool::open(dir.path(), SpoolOptions{.commit_threads = 1});
  Message m = (*spool)->recovered().at(0);
  m.attempts = 7;
  ASSERT_TRUE((*spool)->update(m));
  spool->reset();
  spool = Spool::open(dir.path(), SpoolOptions{.commit_threads = 1});
  EXPECT_EQ((*spool)->recovered().at(0).attempts, 7u);
}

TEST(SpoolCrash, ZerosWhereTheFirstWriteShouldBeAreIncomplete) {
  // A file system may keep a new file's length but not its data after a crash.
  TempDir dir;
  Prepared p = prepare(dir.path());
  std::string zeros(p.committed.size(), '\0');
  auto d = spool_file::decode(zeros);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, spool_file::DecodeError::Incomplete);
  std::string tail_zeroed = p.committed;
  std::fill(tail_zeroed.begin() + 40, tail_zeroed.end(), '\0');
  d = spool_file::decode(tail_zeroed);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, spool_file::DecodeError::Incomplete);
  write_bytes(dir.path() / "queue" / p.first.id, zeros);
  auto spool = Spool::open(dir.path(), SpoolOptions{.commit_threads = 1});
  EXPECT_TRUE((*spool)->recovered().empty());
  EXPECT_TRUE((*spool)->recovery_notes().empty());
  EXPECT_FALSE(fs::exists(dir.path() / "queue" / p.first.id));
  // Zeros after committed records are a torn tail, not damage.
  std::string with_zeros = p.one + std::string(100, '\0');
  d = spool_file::decode(with_zeros);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->torn_tail);
  EXPECT_EQ(d->message.attempts, 1u);
}

TEST(SpoolCrash, CorruptedStateRecordEndsTheHistoryThere) {
  TempDir dir;
  Prepared p = prepare(dir.path());
  // A flipped octet inside the last record's payload: its CRC fails, the state before holds.
  std::string bytes = p.two;
  bytes[bytes.size() - 3] ^= 0x40;
  auto d = spool_file::decode(bytes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->message.attempts, 1u);
  EXPECT_TRUE(d->torn_tail);
  EXPECT_EQ(d->valid_end, p.one.size());
}

}  // namespace
}  // namespace mxkit::queue
