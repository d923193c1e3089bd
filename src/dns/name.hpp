// Domain names (RFC 1035 §3.1, §5.1): wire form, presentation form with escapes, comparison
// and canonical ordering (RFC 4034 §6.1).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mxkit::dns {

inline constexpr std::size_t kMaxNameLength = 255;  // wire octets, root label included
inline constexpr std::size_t kMaxLabelLength = 63;

using WireName = std::span<const std::uint8_t>;

// Parses presentation form into `out` (at least kMaxNameLength bytes) and returns the wire
// length. "@" is the origin; a name without a trailing unescaped dot is relative and gets the
// origin appended. Escapes: "\X" for any character X, "\DDD" for a decimal octet (exactly
// three digits). An empty origin means relative names are refused.
core::Result<std::size_t> parse_name(std::string_view text, WireName origin, std::uint8_t* out);

// Appends the presentation form of a wire name (absolute, with its trailing dot). Characters
// that would not read back as themselves are escaped: specials as "\X", others as "\DDD".
void append_name_text(WireName wire, std::string& out);

// Length of a well-formed uncompressed wire name starting at data[0], or 0 if it is not one.
std::size_t wire_name_length(std::span<const std::uint8_t> data);

// Case-insensitive equality of two wire names (RFC 4343).
bool names_equal(WireName a, WireName b);

// Canonical DNS name order (RFC 4034 §6.1): by labels from the root, each compared as
// lower-cased octet strings.
std::strong_ordering canonical_compare(WireName a, WireName b);

// True when `name` equals `ancestor` or lies below it.
bool is_subdomain(WireName name, WireName ancestor);

// Writes a key whose octet order is the canonical name order (RFC 4034 §6.1), so that sorting
// many names is a memcmp per comparison, and returns its length (at most
// kMaxCanonicalKeyLength): the labels from the root, lower-cased, each closed by 0x00; inside a
// label 0x00 and 0x01 become 0x01 0x01 and 0x01 0x02, so a closed label sorts before every
// longer label it begins.
inline constexpr std::size_t kMaxCanonicalKeyLength = 2 * kMaxNameLength;
std::size_t canonical_name_key(WireName name, std::uint8_t* out);

std::size_t label_count(WireName name);  // root = 0

// A domain name owned as a value. Case is preserved; comparison ignores it.
class Name {
 public:
  Name();  // the root
  static core::Result<Name> from_text(std::string_view text, const Name& origin);
  static core::Result<Name> from_text(std::string_view text);  // must be absolute
  static Name from_wire(WireName wire);  // caller guarantees a well-formed name

  WireName wire() const { return {reinterpret_cast<const std::uint8_t*>(wire_.data()), wire_.size()}; }
  std::string to_text() const;
  bool is_root() const { return wire_.size() == 1; }
  bool is_wildcard() const { return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*'; }
  std::size_t label_count() const { return dns::label_count(wire()); }
  bool is_subdomain_of(const Name& ancestor) const { return is_subdomain(wire(), ancestor.wire()); }
  Name parent() const;  // the root's parent is the root
  Name lowercase() const;

  friend bool operator==(const Name& a, const Name& b) { return names_equal(a.wire(), b.wire()); }
  friend std::strong_ordering operator<=>(const Name& a, const Name& b) {
    return canonical_compare(a.wire(), b.wire());
  }

 private:
  std::string wire_;
};

}  // namespace mxkit::dns

namespace mxkit::dns {

// Reads a possibly compressed name (RFC 1035 §4.1.4) at `offset` of `message` into `out`
// (kMaxNameLength bytes). Returns the octets the name occupies at `offset` (up to and including
// its first pointer) and stores the uncompressed length in `out_len`. Pointers must point
// strictly backwards, which rules out loops; over-reads and over-long names are errors.
core::Result<std::size_t> read_message_name(std::span<const std::uint8_t> message,
                                            std::size_t offset, std::uint8_t* out,
                                            std::size_t& out_len);

}  // namespace mxkit::dns
