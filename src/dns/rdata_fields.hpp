// The codec for each FieldKind, in three directions: text → wire, wire → text, and message
// wire → canonical wire. rdata.cpp walks a type's fields and calls these.
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

  bool done() const { return index >= tokens.size(); }
  const Token& peek() const { return tokens[index]; }
  const Token& next() { return tokens[index++]; }
};

// Octets of one rdata, consumed left to right.
struct WireCursor {
  std::span<const std::uint8_t> data;
  std::size_t pos = 0;

  std::size_t left() const { return data.size() - pos; }
  bool done() const { return pos >= data.size(); }
};

using Bytes = std::vector<std::uint8_t>;

// Each returns an error message (empty on success). `field` names the field in messages.
std::string parse(FieldKind kind, TextCursor& in, Bytes& out);
// Returns false when the wire does not decode as this kind.
bool print(FieldKind kind, WireCursor& in, std::string& out);
// Copies one field from a message to canonical wire; names are decompressed when allowed.
std::string copy_from_message(FieldKind kind, std::span<const std::uint8_t> message,
                              std::size_t& pos, std::size_t end, bool decompress, Bytes& out);

// Shared helpers also used by the rdata-level code.
std::string parse_char_string(std::string_view raw, Bytes& out, bool split_long);
void print_char_string(std::span<const std::uint8_t> octets, std::string& out);

// True for kinds that take every remaining token, so they must be the last field.
bool takes_rest(FieldKind kind);

}  // namespace mxkit::dns::fields
