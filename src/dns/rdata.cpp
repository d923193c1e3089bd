// Record data conversions driven by the type table.
#include "dns/rdata.hpp"

#include "core/encoding.hpp"
#include "dns/rdata_fields.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::dns {

namespace {

// True when some field holds a name that may arrive compressed (RFC 3597 §4).
bool may_hold_compression(const TypeSpec& spec) {
  for (const auto& f : spec.fields)
    if (f.kind == FieldKind::CompressedName || (f.kind == FieldKind::Name && spec.decompress_names))
      return true;
  return false;
}

tl::unexpected<RdataError> rdata_error(std::string message, std::size_t token) {
  return tl::unexpected(RdataError{std::move(message), token});
}

// RFC 3597 §5: "\# <length> <hex>...", the hex possibly split into several words.
tl::expected<void, RdataError> generic_from_text(std::uint16_t type, Tokens tokens,
                                                 std::vector<std::uint8_t>& out) {
  if (tokens.size() < 2) return rdata_error("\\# needs a length", tokens.size());
  std::uint64_t length = 0;
  if (auto err = fields::parse_number(tokens[1].text, 65535, length); !err.empty())
    return rdata_error("bad \\# length: " + err, 1);
  const std::size_t start = out.size();
  core::HexDecoder hex(out);
  for (std::size_t i = 2; i < tokens.size(); ++i)
    if (!hex.feed(tokens[i].text)) return rdata_error("\\# data: bad hex digit", i);
  if (!hex.finish()) return rdata_error("\\# data: odd number of hex digits", tokens.size() - 1);
  const std::size_t got = out.size() - start;
  if (got != length)
    return rdata_error("\\# data is " + std::to_string(got) + " octets, the length says " +
                           std::to_string(length),
                       length == 0 ? 2 : 1);
  // A known type in generic form must still be valid rdata of that type (RFC 3597 §5).
  if (find_type_spec(type) && !rdata_is_well_formed(type, {out.data() + start, got}))
    return rdata_error("\\# data is not valid " + type_to_text(type) + " rdata", 1);
  return {};
}

}  // namespace

tl::expected<void, RdataError> rdata_from_text(std::uint16_t type, Tokens tokens, WireName origin,
                                               std::vector<std::uint8_t>& out) {
  if (!tokens.empty() && !tokens[0].quoted && tokens[0].text == "\\#")
    return generic_from_text(type, tokens, out);
  const TypeSpec* spec = find_type_spec(type);
  if (!spec)
    return rdata_error(
        "type " + type_to_text(type) + " has no text form here; write it as \\# (RFC 3597 §5)", 0);
  const std::size_t start = out.size();
  fields::TextCursor cursor{tokens, 0, origin};
  for (const auto& field : spec->fields) {
    const std::size_t at = cursor.index;
    auto err = fields::parse(field.kind, cursor, out);
    if (!err.empty()) {
      // Point at the token that failed: the last one the codec took, or the place a missing
      // one would have been.
      const std::size_t where = cursor.error_at != SIZE_MAX ? cursor.error_at
                                : cursor.index > at       ? cursor.index - 1
                                                          : at;
      return rdata_error(std::string(field.name) + ": " + err, where);
    }
  }
  if (!cursor.done())
    return rdata_error("unexpected \"" + std::string(cursor.peek().text) + "\" after the " +
                           type_to_text(type) + " rdata",
                       cursor.index);
  if (out.size() - start > 65535) return rdata_error("rdata longer than 65535 octets", 0);
  return {};
}

void append_generic_rdata_text(std::span<const std::uint8_t> rdata, std::string& out) {
  out += "\\# ";
  fields::append_number(rdata.size(), out);
  if (!rdata.empty()) {
    out.push_back(' ');
    core::append_hex(rdata, out);
  }
}

void append_rdata_text(std::uint16_t type, std::span<const std::uint8_t> rdata, std::string& out) {
  if (const TypeSpec* spec = find_type_spec(type)) {
    const std::size_t start = out.size();
    fields::WireCursor cursor{rdata, 0};
    bool ok = true;
    for (const auto& field : spec->fields) {
      const std::size_t before = out.size();
      if (before != start) out.push_back(' ');
      const std::size_t after_separator = out.size();
      if (!fields::print(field.kind, cursor, &out)) {
        ok = false;
        break;
      }
      if (out.size() == after_separator) out.resize(before);  // an empty trailing field
    }
    if (ok && cursor.done()) return;
    out.resize(start);
  }
  append_generic_rdata_text(rdata, out);
}

bool rdata_is_well_formed(std::uint16_t type, std::span<const std::uint8_t> rdata) {
  const TypeSpec* spec = find_type_spec(type);
  if (!spec) return rdata.size() <= 65535;
  fields::WireCursor cursor{rdata, 0};
  for (const auto& field : spec->fields)
    if (!fields::print(field.kind, cursor, nullptr)) return false;
  return cursor.done();
}

core::Result<void> rdata_from_message(std::uint16_t type, std::span<const std::uint8_t> message,
                                      std::size_t offset, std::size_t rdlength,
                                      std::vector<std::uint8_t>& out) {
  if (offset > message.size() || rdlength > message.size() - offset)
    return core::fail("rdata runs past the end of the message");
  const TypeSpec* spec = find_type_spec(type);
  if (!spec || !may_hold_compression(*spec)) {
    // RFC 3597 §4: without names that may be compressed, the rdata is taken as it stands.
    out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(offset),
               message.begin() + static_cast<std::ptrdiff_t>(offset + rdlength));
    return {};
  }
  std::size_t pos = offset;
  const std::size_t end = offset + rdlength;
  for (const auto& field : spec->fields) {
    auto err = fields::copy_from_message(field.kind, message, pos, end, spec->decompress_names, out);
    if (!err.empty())
      return core::fail(type_to_text(type) + " " + std::string(field.name) + ": " + err);
  }
  if (pos != end) return core::fail(type_to_text(type) + " rdata longer than its fields");
  return {};
}

}  // namespace mxkit::dns
