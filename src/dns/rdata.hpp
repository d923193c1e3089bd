// Record data: one table describes every known type as a list of named fields, and that one
// description drives all four conversions — text → wire, wire → text, and wire as found in a
// message (with compressed names) → canonical wire. Adding a type is one row in rdata_table.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/name.hpp"
#include "dns/token.hpp"

namespace mxkit::dns {

enum class FieldKind : std::uint8_t {
  U8,              // decimal 0..255
  U16,             // decimal 0..65535
  U32,             // decimal 0..4294967295
  Period,          // u32 seconds, decimal or with units (1w2d3h4m5s), as SOA timers
  Algorithm,       // u8, decimal or DNSSEC algorithm mnemonic (RFC 4034 App. A.1)
  CertType,        // u16, decimal or mnemonic (RFC 4398 §2.1)
  TypeCode,        // u16, a type mnemonic or TYPEnnn (RRSIG type covered, DSYNC)
  DsyncScheme,     // u8, decimal or NOTIFY (RFC 9859 §2)
  Time,            // u32, YYYYMMDDHHmmSS or decimal seconds (RFC 4034 §3.2)
  CompressedName,  // a name RFC 1035 lets be compressed: compressed in messages both ways
  Name,            // a name never compressed when written; decompressed when read if the type
                   // is one RFC 3597 §4 lists (see TypeSpec::decompress_names)
  IPv4,
  IPv6,
  CharString,      // one <character-string>: length octet + up to 255 octets
  CharStrings,     // one or more <character-string>s to the end (TXT); >255 octets split
  StringRest,      // one string written with no length octet, to the end (CAA value, URI)
  CaaTag,          // length octet + letters/digits (RFC 8659 §4.1)
  HexRest,         // hex digits to the end, whitespace allowed between tokens
  Base64Rest,      // Base64 to the end, whitespace allowed between tokens
  HexWithLength,   // length octet + hex; "-" means empty (NSEC3 salt)
  Base32WithLength,  // length octet + Base32hex (NSEC3 next hashed owner)
  TypeBitmap,      // type mnemonics to the end → RFC 4034 §4.1.2 window blocks
  Eui48,           // xx-xx-xx-xx-xx-xx (RFC 7043)
  Eui64,           // xx-xx-xx-xx-xx-xx-xx-xx
  Ilnp64,          // xxxx:xxxx:xxxx:xxxx (RFC 6742)
  SvcParams,       // SVCB/HTTPS key=value pairs to the end (RFC 9460 §2.1)
  DelegInfos,      // DELEG/DELEGPARAM key=value pairs to the end (draft-ietf-deleg-07)
  Loc,             // the whole LOC rdata (RFC 1876 §3)
  Apl,             // the whole APL rdata, zero or more items (RFC 3123 §5)
  IpseckeyGateway,  // gateway type, algorithm, gateway, key (RFC 4025 §3)
  AmtRelay,        // D-bit, relay type, relay (RFC 8777 §4)
};

// True for kinds that take the rest of the rdata on the wire, so they must come last.
constexpr bool takes_rest(FieldKind kind) {
  switch (kind) {
    case FieldKind::CharStrings:
    case FieldKind::StringRest:
    case FieldKind::HexRest:
    case FieldKind::Base64Rest:
    case FieldKind::TypeBitmap:
    case FieldKind::SvcParams:
    case FieldKind::DelegInfos:
    case FieldKind::Loc:
    case FieldKind::Apl:
    case FieldKind::IpseckeyGateway:
    case FieldKind::AmtRelay:
      return true;
    default:
      return false;
  }
}

struct FieldSpec {
  FieldKind kind;
  std::string_view name;
};

struct TypeSpec {
  std::uint16_t code;
  std::string_view mnemonic;
  std::span<const FieldSpec> fields;
  bool decompress_names;  // RFC 3597 §4: names in these types may arrive compressed
};

// The row for a type, or nullptr for a type we know only by number.
const TypeSpec* find_type_spec(std::uint16_t code);
std::span<const TypeSpec> all_type_specs();

struct RdataError {
  std::string message;
  std::size_t token;  // index of the offending token (== tokens.size() when one is missing)
};

// Text → wire. Understands the RFC 3597 generic form (`\# len hex`) for every type. Appends to
// `out`; on error `out` is left with unspecified contents past its old size.
tl::expected<void, RdataError> rdata_from_text(std::uint16_t type, Tokens tokens, WireName origin,
                                               std::vector<std::uint8_t>& out);

// Wire → text: one line, no parentheses, every field in its canonical form. Rdata with no
// presentation form that reads back as the same octets (a type with no row, LOC version 1,
// an NSEC bitmap with trailing zero octets, ...) is written in the RFC 3597 generic form.
// Output for well-formed rdata always reads back to the same octets.
void append_rdata_text(std::uint16_t type, std::span<const std::uint8_t> rdata, std::string& out);
void append_generic_rdata_text(std::span<const std::uint8_t> rdata, std::string& out);

// True when the rdata decodes as its type: lengths add up and names are well formed. Layouts
// the defining RFC leaves open (LOC versions other than 0, IPSECKEY gateway types above 3)
// are taken as opaque; types with no row are always well formed. The \# form of a known type
// is accepted exactly when this holds (RFC 3597 §5).
bool rdata_is_well_formed(std::uint16_t type, std::span<const std::uint8_t> rdata);

// Message wire → canonical wire: reads `rdlength` octets at `offset` of `message`, following
// compression pointers in the names the type allows, and appends the uncompressed rdata.
core::Result<void> rdata_from_message(std::uint16_t type, std::span<const std::uint8_t> message,
                                      std::size_t offset, std::size_t rdlength,
                                      std::vector<std::uint8_t>& out);

}  // namespace mxkit::dns
