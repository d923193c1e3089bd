// The records of a loaded zone, packed for size: owners and rdata live in one byte arena and
// each record is a 24-octet entry pointing into it. Both grow with the content
// (core::ReservedRegion): a ten-record zone takes some hundred octets on the heap, a million
// records grow by moving pages, never by copying a table or doubling the peak.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/reserved_region.hpp"
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
  // Takes room at once for the records of a zone file of `file_bytes` octets (a guess: the
  // table still grows past it), so a big zone moves fewer times while it loads.
  void reserve_for_file(std::size_t file_bytes);
  // Gives back the room reserved beyond the records, once the table is complete.
  void shrink_to_fit() {
    bytes_.shrink_to_fit();
    entries_.shrink_to_fit();
  }
  // Octets the table holds for its records (arena and entries, reserved and used), without the
  // file names: what a zone costs beyond its index.
  std::size_t capacity_bytes() const { return bytes_.capacity() + entries_.capacity(); }
  std::size_t used_bytes() const { return bytes_.size() + entries_.size(); }
  bool huge_pages() const { return bytes_.huge_pages() || entries_.huge_pages(); }

  std::size_t size() const { return entries_.size() / sizeof(Entry); }
  const Entry& entry(std::size_t i) const {
    return reinterpret_cast<const Entry*>(entries_.data())[i];
  }
  WireName owner(const Entry& e) const { return {at(e.owner), wire_name_length({at(e.owner), kMaxNameLength})}; }
  std::span<const std::uint8_t> rdata(const Entry& e) const { return {at(e.rdata), e.rdlength}; }
  std::string_view file(const Entry& e) const { return files_[e.file]; }
  // The files the records came from, in the order first seen (the main file, then $INCLUDEs).
  const std::vector<std::string>& files() const { return files_; }
  // The arena octets at an offset taken from an Entry (or inside an owner name there).
  const std::uint8_t* arena(std::uint32_t offset) const { return at(offset); }

  // Indices of the records in canonical order (RFC 4034 §6.1 names; then type, with SOA
  // first at a name; then rdata octets), for printing and for checks that walk names.
  std::vector<std::uint32_t> canonical_order() const;

 private:
  // Offsets are 32-bit, so the arena holds at most 4 GiB; entries are limited to match. Both
  // take memory only as records come (or reserve_for_file() asks).
  core::ReservedRegion bytes_{std::size_t{1} << 32};
  core::ReservedRegion entries_{(std::size_t{1} << 28) * sizeof(Entry)};
  std::vector<std::string> files_;
  std::uint16_t last_file_ = 0;  // index of the previous record's file
  std::uint32_t last_owner_ = 0;
  std::size_t last_owner_len_ = 0;

  const std::uint8_t* at(std::uint32_t offset) const { return bytes_.data() + offset; }
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
