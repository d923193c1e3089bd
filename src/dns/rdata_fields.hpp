// The codec for each FieldKind, in three directions: text → wire, wire → text, and message
// wire → canonical wire. rdata.cpp walks a type's fields and calls these; the kinds with a
// structure of their own (SVCB, LOC, APL, IPSECKEY/AMTRELAY) live in rdata_<kind>.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/rdata.hpp"

namespace mxkit::dns::fields {

// Tokens of one record's rdata, consumed left to right.
struct TextCursor {
  Tokens tokens;
  std::size_t index = 0;
  WireName origin;

  std::size_t error_at = SIZE_MAX;  // set by a codec whose error is not at the last token taken

  bool done() const { return index >= tokens.size(); }
  const Token& peek() const { return tokens[index]; }
  const Token& next() { return tokens[index++]; }
  // An error for a value that ran out of tokens: it points past the last one.
  std::string missing(std::string_view what) {
    error_at = tokens.size();
    return "missing " + std::string(what);
  }
};

// Octets of one rdata, consumed left to right.
struct WireCursor {
  std::span<const std::uint8_t> data;
  std::size_t pos = 0;

  std::size_t left() const { return data.size() - pos; }
  bool done() const { return pos >= data.size(); }
  const std::uint8_t* here() const { return data.data() + pos; }
};

using Bytes = std::vector<std::uint8_t>;

// Text → wire. Returns an error message, empty on success. On error the cursor stands just
// past the offending token (or unmoved when the value is missing).
std::string parse(FieldKind kind, TextCursor& in, Bytes& out);
// Wire → text, in one of two modes:
//  - `out` given: appends the text and returns false unless the octets have a presentation
//    form that reads back as the same octets (RFC 4034 §4.1.2 bitmaps without trailing zero
//    octets, ascending SvcParamKeys, LOC version 0, ...);
//  - `out` null: only checks that the octets decode as this kind — lengths, names and the
//    type octets that decide a layout — and skips them. Rdata that passes this check but has
//    no text is written, and read back, in the RFC 3597 \# form.
bool print(FieldKind kind, WireCursor& in, std::string* out);
// Copies one field from a message to canonical wire; names are decompressed when allowed.
std::string copy_from_message(FieldKind kind, std::span<const std::uint8_t> message,
                              std::size_t& pos, std::size_t end, bool decompress, Bytes& out);

// --- Helpers shared by the field codecs -------------------------------------------------

inline void put16(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xFFFF);
}
inline std::uint32_t get16(const std::uint8_t* p) { return std::uint32_t(p[0]) << 8 | p[1]; }
inline std::uint32_t get32(const std::uint8_t* p) { return get16(p) << 16 | get16(p + 2); }

// A decimal number no larger than `max` (digits only: no sign, no spaces).
std::string parse_number(std::string_view text, std::uint64_t max, std::uint64_t& value);
void append_number(std::uint64_t value, std::string& out);

// RFC 1035 §5.1 <character-string> escapes ("\X", "\DDD") decoded and appended to `out`
// with no length octet. An unquoted token may not hold a bare '"'.
std::string decode_text(std::string_view raw, bool quoted, Bytes& out);
// One <character-string> with its length octet; when `split_long`, text over 255 octets
// becomes several strings (TXT), otherwise it is an error.
std::string parse_char_string(std::string_view raw, bool quoted, Bytes& out, bool split_long);
// Quoted, with '"' and '\' escaped and octets outside printable ASCII as \DDD.
void print_char_string(std::span<const std::uint8_t> octets, std::string& out);

// --- Field kinds implemented in their own files -------------------------------------------

// rdata_svcb.cpp (RFC 9460 §2; DELEG's DelegInfos use the same key=value scheme).
enum class ParamRegistry { Svcb, Deleg };
std::string parse_params(ParamRegistry registry, TextCursor& in, Bytes& out);
bool print_params(ParamRegistry registry, WireCursor& in, std::string* out);

// rdata_loc.cpp (RFC 1876).
std::string parse_loc(TextCursor& in, Bytes& out);
bool print_loc(WireCursor& in, std::string* out);

// rdata_apl.cpp (RFC 3123).
std::string parse_apl(TextCursor& in, Bytes& out);
bool print_apl(WireCursor& in, std::string* out);

// rdata_gateway.cpp (RFC 4025 IPSECKEY, RFC 8777 AMTRELAY).
std::string parse_ipseckey_gateway(TextCursor& in, Bytes& out);
bool print_ipseckey_gateway(WireCursor& in, std::string* out);
std::string parse_amt_relay(TextCursor& in, Bytes& out);
bool print_amt_relay(WireCursor& in, std::string* out);

}  // namespace mxkit::dns::fields
