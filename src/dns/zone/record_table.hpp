// The records of a loaded zone, packed for size: owners and rdata live in an arena of fixed
// blocks (no reallocation peaks), and each record is a 24-octet entry pointing into it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.hpp"
#include "dns/zone/parser.hpp"

namespace mxkit::dns::zone {

class RecordTable {
 public:
  struct Entry {
    std::uint32_t owner;    // arena offset of the owner's wire form
    std::uint32_t rdata;    // arena offset of the rdata
    std::uint16_t rdlength;
    std::uint16_t type;
    std::uint16_t rclass;
    std::uint16_t file;     // index into files()
    std::uint32_t ttl;
    std::uint32_t line;
  };

  void add(const RecordView& record);

  std::size_t size() const { return entries_.size(); }
  const Entry& entry(std::size_t i) const { return entries_[i]; }
  WireName owner(const Entry& e) const { return {at(e.owner), wire_name_length({at(e.owner), kMaxNameLength})}; }
  std::span<const std::uint8_t> rdata(const Entry& e) const { return {at(e.rdata), e.rdlength}; }
  std::string_view file(const Entry& e) const { return files_[e.file]; }

  // Indices of the records in canonical order (RFC 4034 §6.1 names; then type, with SOA
  // first at a name; then rdata octets), for printing and for checks that walk names.
  std::vector<std::uint32_t> canonical_order() const;

 private:
  static constexpr std::size_t kBlockSize = 1 << 20;
  std::vector<std::unique_ptr<std::uint8_t[]>> blocks_;
  std::size_t used_ = kBlockSize;  // in the last block; full so the first add allocates
  std::deque<Entry> entries_;
  std::vector<std::string> files_;
  std::uint32_t last_owner_ = 0;
  std::size_t last_owner_len_ = 0;

  const std::uint8_t* at(std::uint32_t offset) const {
    return blocks_[offset / kBlockSize].get() + offset % kBlockSize;
  }
  std::uint32_t store(std::span<const std::uint8_t> bytes);
  std::uint16_t file_index(std::string_view file);
};

// A sink that keeps the records in a RecordTable and the diagnostics in a list.
class CollectingSink : public Sink {
 public:
  RecordTable records;
  std::vector<Diagnostic> diagnostics;
  void record(const RecordView& record) override { records.add(record); }
  void diagnostic(const Diagnostic& d) override { diagnostics.push_back(d); }
};

}  // namespace mxkit::dns::zone
