// Encoder and decoder of spool files (format in spool_file.hpp). The decoder takes any bytes:
// a crash, a bad disk or a fuzzer may hand it anything, and it answers with an error or a
// message, never reads past the end.
#include "queue/spool_file.hpp"

#include <array>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace mxkit::queue::spool_file {

namespace {

constexpr std::string_view kMagic = "MXKQ";
constexpr std::uint8_t kVersion = 1;
constexpr char kEnvelope = 'E';
constexpr char kContent = 'D';
constexpr char kCommit = 'K';
constexpr char kState = 'S';
constexpr std::uint32_t kMaxRecipients = 1u << 20;

// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, slicing by 8.
struct CrcTables {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  constexpr CrcTables() {
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i)
      for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};
constexpr CrcTables kCrc;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}
std::int64_t to_us(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
Clock::time_point from_us(std::int64_t us) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(us)));
}

void put_record(std::string& out, char type, std::string_view payload) {
  out.push_back(type);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  std::uint8_t t = static_cast<std::uint8_t>(type);
  std::uint32_t crc = crc32c({&t, 1});
  crc = crc32c({reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}, crc);
  put_u32(out, crc);
  out.append(payload);
}

std::uint32_t get_u32_at(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
  return v;
}

// Bounds-checked reader of one record's payload.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > data_.size()) return false;
    v = static_cast<std::uint8_t>(data_[pos_++]);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (pos_ + 4 > data_.size()) return false;
    v = get_u32_at(data_, pos_);
    pos_ += 4;
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t lo = 0, hi = 0;
    if (!u32(lo) || !u32(hi)) return false;
    v = (static_cast<std::uint64_t>(hi) << 32) | lo;
    return true;
  }
  bool time(Clock::time_point& t) {
    std::uint64_t v = 0;
    if (!u64(v)) return false;
    // Clock::duration may be nanoseconds: keep the value where converting cannot overflow.
    auto us = static_cast<std::int64_t>(v);
    if (us > (std::int64_t{1} << 52) || us < -(std::int64_t{1} << 52)) return false;
    t = from_us(us);
    return true;
  }
  bool str(std::string& s) {
    std::uint32_t n = 0;
    if (!u32(n) || n > data_.size() - pos_) return false;
    s.assign(data_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

bool decode_envelope(std::string_view payload, Message& m) {
  Reader r(payload);
  std::uint8_t flags = 0;
  std::uint32_t count = 0;
  std::uint64_t size = 0;
  if (!r.str(m.id) || !r.str(m.sender) || !r.time(m.arrival) || !r.str(m.client_address) ||
      !r.str(m.helo) || !r.u8(flags) || !r.u64(size) || !r.u32(count) || count > kMaxRecipients)
    return false;
  m.size = size;
  m.body_8bit = flags & 1;
  m.smtputf8 = flags & 2;
  m.recipients.clear();
  for (std::uint32_t i = 0; i < count; ++i) {
    Recipient rcpt;
    if (!r.str(rcpt.address)) return false;
    m.recipients.push_back(std::move(rcpt));
  }
  m.next_attempt = m.arrival;
  return r.at_end();
}

bool decode_state(std::string_view payload, Message& m) {
  Reader r(payload);
  Message next = m;
  std::uint8_t flags = 0;
  std::uint32_t count = 0;
  if (!r.u32(next.attempts) || !r.time(next.next_attempt) || !r.str(next.last_error) ||
      !r.u8(flags) || !r.u32(count) || count != next.recipients.size())
    return false;
  next.delay_warning_sent = flags & 1;
  next.bounce_sent = flags & 2;
  for (auto& rcpt : next.recipients) {
    std::uint8_t state = 0;
    if (!r.u8(state) || state > static_cast<std::uint8_t>(RecipientState::Expired) ||
        !r.u32(rcpt.attempts) || !r.str(rcpt.last_reply) || !r.str(rcpt.status) ||
        !r.str(rcpt.remote_mta))
      return false;
    rcpt.state = static_cast<RecipientState>(state);
  }
  if (!r.at_end()) return false;
  m = std::move(next);
  return true;
}

}  // namespace

std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc) {
  crc = ~crc;
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    std::uint32_t lo =
        crc ^ (static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
               static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24);
    crc = kCrc.t[7][lo & 0xFF] ^ kCrc.t[6][(lo >> 8) & 0xFF] ^ kCrc.t[5][(lo >> 16) & 0xFF] ^
          kCrc.t[4][lo >> 24] ^ kCrc.t[3][p[4]] ^ kCrc.t[2][p[5]] ^ kCrc.t[1][p[6]] ^
          kCrc.t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ kCrc.t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

std::string encode_new(const Message& m, std::string_view content) {
  std::string env;
  put_str(env, m.id);
  put_str(env, m.sender);
  put_u64(env, static_cast<std::uint64_t>(to_us(m.arrival)));
  put_str(env, m.client_address);
  put_str(env, m.helo);
  env.push_back(static_cast<char>((m.body_8bit ? 1 : 0) | (m.smtputf8 ? 2 : 0)));
  put_u64(env, content.size());
  put_u32(env, static_cast<std::uint32_t>(m.recipients.size()));
  for (const auto& r : m.recipients) put_str(env, r.address);

  std::string out;
  out.reserve(kFileHeaderSize + 3 * kRecordHeaderSize + env.size() + content.size());
  out.append(kMagic);
  out.push_back(static_cast<char>(kVersion));
  out.append(3, '\0');
  put_record(out, kEnvelope, env);
  put_record(out, kContent, content);
  put_record(out, kCommit, {});
  return out;
}

std::string encode_state(const Message& m) {
  std::string p;
  put_u32(p, m.attempts);
  put_u64(p, static_cast<std::uint64_t>(to_us(m.next_attempt)));
  put_str(p, m.last_error);
  p.push_back(static_cast<char>((m.delay_warning_sent ? 1 : 0) | (m.bounce_sent ? 2 : 0)));
  put_u32(p, static_cast<std::uint32_t>(m.recipients.size()));
  for (const auto& r : m.recipients) {
    p.push_back(static_cast<char>(r.state));
    put_u32(p, r.attempts);
    put_str(p, r.last_reply);
    put_str(p, r.status);
    put_str(p, r.remote_mta);
  }
  std::string out;
  put_record(out, kState, p);
  return out;
}

tl::expected<Decoded, DecodeFailure> decode(std::string_view file) {
  auto incomplete = [](std::string reason) {
    return tl::unexpected(DecodeFailure{DecodeError::Incomplete, std::move(reason)});
  };
  auto damaged = [](std::string reason) {
    return tl::unexpected(DecodeFailure{DecodeError::Damaged, std::move(reason)});
  };
  if (file.size() < kFileHeaderSize) {
    // A file cut inside its header is a write that never finished, if what is there fits.
    if (kMagic.substr(0, std::min(file.size(), kMagic.size())) ==
        file.substr(0, std::min(file.size(), kMagic.size())))
      return incomplete("file header cut short");
    return damaged("not a spool file (bad magic)");
  }
  // Some file systems keep a file's new length but not its data after a crash: zeros where
  // the header should be are that, not damage.
  if (file.substr(0, kFileHeaderSize).find_first_not_of('\0') == std::string_view::npos)
    return incomplete("file header never written");
  if (file.substr(0, 4) != kMagic) return damaged("not a spool file (bad magic)");
  if (static_cast<std::uint8_t>(file[4]) != kVersion)
    return damaged(fmt::format("unknown spool file version {}",
                               static_cast<int>(static_cast<std::uint8_t>(file[4]))));

  Decoded d;
  std::size_t pos = kFileHeaderSize;
  int stage = 0;  // 0: want E, 1: want D, 2: want K, 3: committed, S records follow
  while (pos < file.size()) {
    if (file.size() - pos < kRecordHeaderSize) break;
    char type = file[pos];
    std::uint32_t len = get_u32_at(file, pos + 1);
    std::uint32_t crc = get_u32_at(file, pos + 5);
    if (len > kMaxRecord || len > file.size() - pos - kRecordHeaderSize) break;
    std::string_view payload = file.substr(pos + kRecordHeaderSize, len);
    auto t = static_cast<std::uint8_t>(type);
    std::uint32_t actual = crc32c({&t, 1});
    actual =
        crc32c({reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}, actual);
    if (actual != crc) break;
    std::size_t offset = pos;
    std::size_t next = pos + kRecordHeaderSize + len;
    if (stage == 0) {
      if (type != kEnvelope || !decode_envelope(payload, d.message))
        return damaged(fmt::format("offset {}: bad envelope record", offset));
      stage = 1;
    } else if (stage == 1) {
      if (type != kContent || len != d.message.size)
        return damaged(fmt::format("offset {}: bad content record", offset));
      d.content_offset = pos + kRecordHeaderSize;
      d.content_size = len;
      stage = 2;
    } else if (stage == 2) {
      if (type != kCommit || len != 0)
        return damaged(fmt::format("offset {}: bad commit record", offset));
      stage = 3;
    } else {
      // A good CRC on a wrong record is not a torn write: refuse rather than guess.
      if (type != kState || !decode_state(payload, d.message))
        return damaged(fmt::format("offset {}: bad state record", offset));
    }
    pos = next;
  }
  if (stage < 3) {
    // Before the commit record every byte was written by one write(): anything short or
    // wrong there is that write cut by a crash.
    return incomplete(stage == 0 ? "no envelope record" : "no commit record");
  }
  d.valid_end = pos;
  d.torn_tail = pos < file.size();
  return d;
}

}  // namespace mxkit::queue::spool_file
