// Record data conversions driven by the type table.
#include "dns/rdata.hpp"

#include "core/encoding.hpp"
#include "dns/rdata_fields.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::dns {

namespace {

bool has_names(const TypeSpec& spec) {
  for (const auto& f : spec.fields)
    if (f.kind == FieldKind::Name || f.kind == FieldKind::CompressedName) return true;
  return false;
}

// RFC 3597 §5: "\# <length> <hex>...".
tl::expected<void, RdataError> generic_from_text(std::uint16_t type, Tokens tokens,
                                                 std::vector<std::uint8_t>& out) {
  if (tokens.size() < 2) return tl::unexpected(RdataError{"\\# needs a length", tokens.size()});
  std::size_t length = 0;
  auto len_text = tokens[1].text;
  if (len_text.empty() || len_text.size() > 5 ||
      len_text.find_first_not_of("0123456789") != std::string_view::npos ||
      (length = std::stoul(std::string(len_text))) > 65535)
    return tl::unexpected(RdataError{"bad \\# length \"" + std::string(len_text) + "\"", 1});
  std::string hex;
  for (std::size_t i = 2; i < tokens.size(); ++i) hex.append(tokens[i].text);
  core::Bytes bytes;
  if (auto r = core::decode_hex(hex, bytes); !r)
    return tl::unexpected(RdataError{"\\# data: " + r.error().message, 2});
  if (bytes.size() != length)
    return tl::unexpected(RdataError{"\\# data is " + std::to_string(bytes.size()) +
                                         " octets, the length says " + std::to_string(length),
                                     2});
  // A known type in generic form must still be valid rdata of that type.
  if (find_type_spec(type) && !rdata_is_well_formed(type, bytes))
    return tl::unexpected(
        RdataError{"\\# data is not valid " + type_to_text(type) + " rdata", 2});
  out.insert(out.end(), bytes.begin(), bytes.end());
  return {};
}

}  // namespace

tl::expected<void, RdataError> rdata_from_text(std::uint16_t type, Tokens tokens, WireName origin,
                                               std::vector<std::uint8_t>& out) {
  if (!tokens.empty() && !tokens[0].quoted && tokens[0].text == "\\#")
    return generic_from_text(type, tokens, out);
  const TypeSpec* spec = find_type_spec(type);
  if (!spec)
    return tl::unexpected(RdataError{
        "type " + type_to_text(type) + " has no text form here; write it as \\# (RFC 3597)", 0});
  fields::TextCursor cursor{tokens, 0, origin};
  for (const auto& field : spec->fields) {
    std::size_t at = cursor.index;
    auto err = fields::parse(field.kind, cursor, out);
    if (!err.empty()) {
      std::size_t where = cursor.done() && at == cursor.index ? tokens.size() : at;
      return tl::unexpected(RdataError{std::string(field.name) + ": " + err, where});
    }
  }
  if (!cursor.done())
    return tl::unexpected(RdataError{
        "unexpected \"" + std::string(cursor.peek().text) + "\" after the " + type_to_text(type) +
            " rdata",
        cursor.index});
  return {};
}

void append_generic_rdata_text(std::span<const std::uint8_t> rdata, std::string& out) {
  out += "\\# ";
  out += std::to_string(rdata.size());
  if (!rdata.empty()) {
    out.push_back(' ');
    core::append_hex(rdata, out);
  }
}

void append_rdata_text(std::uint16_t type, std::span<const std::uint8_t> rdata, std::string& out) {
  const TypeSpec* spec = find_type_spec(type);
  if (spec) {
    const std::size_t start = out.size();
    fields::WireCursor cursor{rdata, 0};
    bool ok = true;
    for (const auto& field : spec->fields) {
      std::size_t before = out.size();
      if (before != start) out.push_back(' ');
      std::size_t after_sep = out.size();
      if (!fields::print(field.kind, cursor, out)) {
        ok = false;
        break;
      }
      if (out.size() == after_sep) out.resize(before);  // an empty optional field
    }
    if (ok && cursor.done()) return;
    out.resize(start);
  }
  append_generic_rdata_text(rdata, out);
}

bool rdata_is_well_formed(std::uint16_t type, std::span<const std::uint8_t> rdata) {
  const TypeSpec* spec = find_type_spec(type);
  if (!spec) return true;
  fields::WireCursor cursor{rdata, 0};
  std::string scratch;
  for (const auto& field : spec->fields)
    if (!fields::print(field.kind, cursor, scratch)) return false;
  return cursor.done();
}

core::Result<void> rdata_from_message(std::uint16_t type, std::span<const std::uint8_t> message,
                                      std::size_t offset, std::size_t rdlength,
                                      std::vector<std::uint8_t>& out) {
  if (offset + rdlength > message.size()) return core::fail("rdata runs past the end of the message");
  const TypeSpec* spec = find_type_spec(type);
  if (!spec || !has_names(*spec)) {
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
