// An SPF record (RFC 7208 §4.6, §5, §6) parsed into terms, with syntax errors that name the
// position in the record. Socket-free; the macro strings are kept as written and expanded at
// evaluation time (spf_macro.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace mxkit::mailauth {

// RFC 7208 §4.6.2: the qualifier of a mechanism and so the result when it matches.
enum class SpfQualifier : std::uint8_t { Pass, Fail, SoftFail, Neutral };

enum class SpfMechanismKind : std::uint8_t { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists };
std::string_view spf_mechanism_name(SpfMechanismKind kind);  // "all", "include", ...

struct SpfMechanism {
  SpfQualifier qualifier = SpfQualifier::Pass;
  SpfMechanismKind kind = SpfMechanismKind::All;
  std::string domain_spec;  // as written, macros unexpanded; empty: the current domain (a, mx, ptr)
  std::uint8_t cidr4 = 32;  // a, mx, ip4 (RFC 7208 §5.6)
  std::uint8_t cidr6 = 128;                // a, mx, ip6
  std::array<std::uint8_t, 16> network{};  // ip4 (first 4 octets) or ip6
  std::size_t position = 0;                // offset of the term in the record
  std::string text;                        // the term as written ("-ip4:192.0.2.0/24")
  // True for the mechanisms that cost one of the 10 DNS lookups (RFC 7208 §4.6.4).
  bool counts_lookup() const;
};

struct SpfModifier {
  std::string name;   // lower-cased
  std::string value;  // macro-string as written
  std::size_t position = 0;
};

struct SpfRecord {
  std::vector<SpfMechanism> mechanisms;  // in order
  std::optional<SpfModifier> redirect;   // RFC 7208 §6.1
  std::optional<SpfModifier> exp;        // RFC 7208 §6.2
  std::vector<SpfModifier> unknown;      // ignored modifiers (RFC 7208 §6), kept for display
};

struct SpfSyntaxError {
  std::size_t position = 0;  // offset into the record text
  std::string message;       // "ip4: prefix length 33 is over 32"
};

// True when the TXT string is an SPF version 1 record: "v=spf1" (any case) alone or followed by
// a space (RFC 7208 §4.5).
bool is_spf_record(std::string_view text);

// Parses a whole record, "v=spf1" included. Any syntax error anywhere makes the record invalid
// (RFC 7208 §4.6: detected before evaluation starts), including a bad macro-string (§7.1).
tl::expected<SpfRecord, SpfSyntaxError> parse_spf_record(std::string_view text);

}  // namespace mxkit::mailauth
