// The message writer: a MessageBuilder fills a caller's buffer section by section, compressing
// names (RFC 1035 §4.1.4) and truncating at whole RRsets (RFC 2181 §9).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "core/result.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::dns {

// Offsets of names already in the message, for compression. A fixed array and no hashing: a
// response holds a handful of distinct names, and a linear scan that compares the suffix length
// first and only then walks the message is cheaper than building any index, with no heap use.
// Once full, further names are still written, just not remembered.
class CompressionTable {
 public:
  static constexpr std::size_t kCapacity = 128;

  struct Entry {
    std::uint16_t offset;  // where a label starts in the message (< 0x4000, pointer range)
    std::uint8_t length;   // the uncompressed length of the name from that label on
    std::uint8_t first;    // the label's first octet: most mismatches end here, without a walk
  };

  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  void truncate(std::size_t size) { size_ = static_cast<std::uint16_t>(size); }
  void add(std::size_t offset, std::size_t length, std::uint8_t first) {
    if (size_ < kCapacity && offset < 0x4000)
      entries_[size_++] = {static_cast<std::uint16_t>(offset), static_cast<std::uint8_t>(length),
                           first};
  }
  // The longest suffix of `name` found earlier in `message` (the buffer the entries point
  // into), equal octet for octet: its offset in the message and its length in `name`, or
  // {-1, 0} when no suffix is there. One pass over the entries serves every suffix.
  struct Match {
    int offset;
    std::size_t length;
  };
  Match find(const std::uint8_t* message, WireName name) const;

 private:
  std::array<Entry, kCapacity> entries_;  // left uninitialised: only [0, size_) is read
  std::uint16_t size_ = 0;
};

// Writes a message into a caller-owned buffer whose size is the limit (512, the EDNS payload
// size, or 65535 for TCP). Nothing is allocated: a server keeps one buffer per worker.
//
// Order: questions, then answer, authority and additional records (a section may be empty;
// going back to an earlier section is a programming error and throws std::logic_error), then
// finish(). set_edns() may come at any time before finish(); it reserves room at the end at
// once, so the OPT record survives truncation as RFC 6891 §7 asks.
//
// Truncation: an add that does not fit writes nothing and returns false. In the answer and
// authority sections that also sets TC and closes the builder, so every later add fails too and
// the message stays consistent (RFC 2181 §9). In the additional section it does neither, as
// RFC 2181 §9 says TC is not for extra data left out; call set_truncated() when the record was
// required (RFC 9471 glue). add_rrset() and mark()/rollback() drop a whole RRset when only part
// of it would fit.
//
// Names are compared octet for octet when compressing, so case is kept exactly (a 0x20-style
// query name is echoed, and a differently cased name is written out rather than pointed at).
// Owner and question names are compressed, and the names in rdata the type table marks
// CompressedName; other rdata names are written as they are (RFC 3597 §4).
class MessageBuilder {
 public:
  // `buffer.size()` must be at least kHeaderSize; std::invalid_argument otherwise.
  MessageBuilder(std::span<std::uint8_t> buffer, const Header& header);

  Header& header() { return header_; }  // written by finish(); its tc is ORed with truncation

  bool add_question(WireName name, std::uint16_t type, std::uint16_t cls);
  bool add_question(const Question& q) { return add_question(q.name.wire(), q.type, q.cls); }

  // `rdata` is canonical (uncompressed) wire; at most 65535 octets after compression.
  bool add_record(Section section, WireName owner, std::uint16_t type, std::uint16_t cls,
                  std::uint32_t ttl, std::span<const std::uint8_t> rdata);
  bool add_record(Section section, const Record& r) {
    return add_record(section, r.owner.wire(), r.type, r.cls, r.ttl, r.rdata);
  }

  // All the rdatas of one RRset, or none of them. `rdatas` is any range of things that convert
  // to std::span<const std::uint8_t> (vectors, spans).
  template <class Range>
  bool add_rrset(Section section, WireName owner, std::uint16_t type, std::uint16_t cls,
                 std::uint32_t ttl, const Range& rdatas) {
    check_section(section);
    const Mark start = mark();
    bool complete = !closed_;
    if (complete)
      for (const auto& rdata : rdatas)
        if (!write_record(owner, type, cls, ttl, std::span<const std::uint8_t>(rdata), section)) {
          complete = false;
          break;
        }
    if (complete) return true;
    rollback(start);
    overflowed(section);
    return false;
  }

  // A point to return to: everything added after it is removed by rollback(), counts and
  // compression entries included. TC and closing are not undone.
  struct Mark {
    std::size_t position;
    std::array<std::uint16_t, 4> counts;
    std::size_t compression_entries;
    Section section;
  };
  Mark mark() const { return {pos_, counts_, table_.size(), section_}; }
  void rollback(const Mark& m);

  // Reserves room for the OPT record and writes it there; false if it does not fit in what is
  // left, and then the message has no OPT record. A second call replaces the first. The
  // extended rcode comes from header().rcode at finish().
  bool set_edns(const Edns& edns);

  void set_truncated() { truncated_ = true; }
  bool truncated() const { return truncated_; }
  std::size_t size() const { return pos_; }  // octets written so far (without the OPT)
  std::size_t room() const { return limit_ - pos_; }
  std::uint16_t count(Section section) const { return counts_[static_cast<int>(section)]; }

  // Writes the header and the OPT record and returns the message. An rcode above 15 without
  // EDNS cannot be expressed: std::logic_error. Calling it twice returns the same message.
  std::span<const std::uint8_t> finish();

 private:
  void check_section(Section section);
  void overflowed(Section section);
  bool write_record(WireName owner, std::uint16_t type, std::uint16_t cls, std::uint32_t ttl,
                    std::span<const std::uint8_t> rdata, Section section);
  bool write_name(WireName name);
  bool write_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata);
  bool write_bytes(std::span<const std::uint8_t> bytes);

  std::span<std::uint8_t> buffer_;
  std::size_t pos_ = kHeaderSize;
  std::size_t limit_;         // buffer end, less the room kept for the OPT record
  std::size_t opt_size_ = 0;  // the OPT record sits at [limit_, limit_ + opt_size_)
  std::array<std::uint16_t, 4> counts_{};
  Header header_;
  Section section_ = Section::Question;
  bool truncated_ = false;
  bool closed_ = false;
  bool finished_ = false;
  CompressionTable table_;
};

// Writes a whole Message (the OPT record last). Records are added a run of equal owner, type
// and class at a time, so truncation drops whole RRsets; whatever is dropped, in any section,
// sets TC, because a copy must not lose records silently. Fails only when the rcode needs EDNS
// and there is none, or the OPT record alone does not fit in `max_size`.
core::Result<std::vector<std::uint8_t>> build_message(const Message& message,
                                                      std::size_t max_size = kMaxMessageSize);

}  // namespace mxkit::dns
