// Rdata field reads and host-name syntax for the zone checks.
#include "dns/zonecheck/record_fields.hpp"

#include <algorithm>
#include <array>

#include "dns/rrtype.hpp"

namespace mxkit::dns::zonecheck {

namespace {

constexpr std::uint8_t lower(std::uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
constexpr bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }
constexpr bool is_letter(std::uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
constexpr auto kLetterDigitHyphen = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[c] = is_letter(static_cast<std::uint8_t>(c)) || is_digit(static_cast<std::uint8_t>(c)) ||
               c == '-';
  return table;
}();
constexpr bool is_hex(std::uint8_t c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

int compare_octets(Rdata a, Rdata b, bool fold_case) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t x = fold_case ? lower(a[i]) : a[i];
    std::uint8_t y = fold_case ? lower(b[i]) : b[i];
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return 0;
}

// True when what follows `offset` in `name` is the root or the apex: an address written as
// labels either stands alone or had the origin appended.
bool rest_is_root_or_apex(WireName name, std::size_t offset, WireName apex) {
  WireName rest = name.subspan(offset);
  return (rest.size() == 1 && rest[0] == 0) || names_equal(rest, apex);
}

// Four labels of one to three digits, each at most 255: "192.0.2.1" split at its dots.
bool read_ipv4_labels(WireName name, std::string& text, std::size_t& end) {
  std::size_t i = 0;
  text.clear();
  for (int part = 0; part < 4; ++part) {
    if (i >= name.size()) return false;
    std::size_t len = name[i];
    if (len < 1 || len > 3 || i + 1 + len >= name.size()) return false;
    unsigned value = 0;
    for (std::size_t j = 1; j <= len; ++j) {
      if (!is_digit(name[i + j])) return false;
      value = value * 10 + (name[i + j] - '0');
    }
    if (value > 255) return false;
    if (part > 0) text.push_back('.');
    text.append(reinterpret_cast<const char*>(&name[i + 1]), len);
    i += 1 + len;
  }
  end = i;
  return true;
}

// One label of hex digits with at least two colons: "2001:db8::1" (a colon is no label break).
bool read_ipv6_label(WireName name, std::string& text, std::size_t& end) {
  std::size_t len = name.empty() ? 0 : name[0];
  if (len < 2 || 1 + len >= name.size()) return false;
  std::size_t colons = 0;
  for (std::size_t j = 1; j <= len; ++j) {
    std::uint8_t c = name[j];
    if (c == ':') ++colons;
    else if (!is_hex(c)) return false;
  }
  if (colons < 2) return false;
  text.assign(reinterpret_cast<const char*>(&name[1]), len);
  end = 1 + len;
  return true;
}

}  // namespace

std::optional<std::size_t> trailing_name_offset(std::uint16_t type) {
  switch (type) {
    case rrtype::NS:
    case rrtype::CNAME:
    case rrtype::DNAME:
    case rrtype::PTR:
      return 0;
    case rrtype::MX:
    case rrtype::KX:
    case rrtype::AFSDB:
    case rrtype::RT:
      return 2;
    case rrtype::SRV:
      return 6;
    default:
      return std::nullopt;
  }
}

WireName trailing_name(std::uint16_t type, Rdata rdata) {
  auto offset = trailing_name_offset(type);
  if (!offset || rdata.size() <= *offset) return {};
  Rdata rest = rdata.subspan(*offset);
  if (wire_name_length(rest) != rest.size()) return {};
  return rest;
}

std::optional<std::uint16_t> read_u16(Rdata rdata, std::size_t offset) {
  if (rdata.size() < offset + 2) return std::nullopt;
  return static_cast<std::uint16_t>(rdata[offset] << 8 | rdata[offset + 1]);
}

std::optional<std::uint32_t> read_u32(Rdata rdata, std::size_t offset) {
  if (rdata.size() < offset + 4) return std::nullopt;
  return static_cast<std::uint32_t>(rdata[offset]) << 24 |
         static_cast<std::uint32_t>(rdata[offset + 1]) << 16 |
         static_cast<std::uint32_t>(rdata[offset + 2]) << 8 | rdata[offset + 3];
}

std::optional<std::uint32_t> soa_serial(Rdata rdata) {
  std::size_t mname = wire_name_length(rdata);
  if (mname == 0) return std::nullopt;
  std::size_t rname = wire_name_length(rdata.subspan(mname));
  if (rname == 0 || rdata.size() != mname + rname + 20) return std::nullopt;
  return read_u32(rdata, mname + rname);
}

int compare_rdata(std::uint16_t type, Rdata a, Rdata b) {
  auto offset = trailing_name_offset(type);
  if (!offset || trailing_name(type, a).empty() || trailing_name(type, b).empty())
    return compare_octets(a, b, false);
  if (int c = compare_octets(a.first(*offset), b.first(*offset), false); c != 0) return c;
  return compare_octets(a.subspan(*offset), b.subspan(*offset), true);
}

bool is_host_name(WireName name, bool allow_wildcard) {
  std::size_t i = 0;
  if (allow_wildcard && name.size() >= 2 && name[0] == 1 && name[1] == '*') i = 2;
  while (i < name.size() && name[i] != 0) {
    std::size_t len = name[i++];
    if (i + len > name.size()) return false;
    if (name[i] == '-' || name[i + len - 1] == '-') return false;
    for (std::size_t j = 0; j < len; ++j)
      if (!kLetterDigitHyphen[name[i + j]]) return false;
    i += len;
  }
  return true;
}

bool is_ip_literal(WireName name, WireName apex, std::string& address) {
  std::string text;
  std::size_t rest = 0;
  if (read_ipv4_labels(name, text, rest) || read_ipv6_label(name, text, rest)) {
    if (!rest_is_root_or_apex(name, rest, apex)) return false;
    address = std::move(text);
    return true;
  }
  return false;
}

}  // namespace mxkit::dns::zonecheck
