// Field codecs: presentation text ↔ wire for each FieldKind.
#include "dns/rdata_fields.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstring>
#include <optional>

#include "core/encoding.hpp"
#include "dns/rrtype.hpp"
#include "dns/ttl.hpp"

namespace mxkit::dns::fields {

namespace {

void put16(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xFFFF);
}
std::uint32_t get16(const std::uint8_t* p) { return std::uint32_t(p[0]) << 8 | p[1]; }
std::uint32_t get32(const std::uint8_t* p) { return get16(p) << 16 | get16(p + 2); }

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

// Parses a number that must fit `max`, naming the failure the way an operator reads it.
std::string parse_number(std::string_view text, std::uint64_t max, std::uint64_t& value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return "expected a decimal number, found \"" + std::string(text) + "\"";
  auto v = parse_decimal(text, max);
  if (!v) return "number " + std::string(text) + " is above " + std::to_string(max);
  value = *v;
  return {};
}

struct Mnemonic {
  std::string_view name;
  std::uint16_t value;
};

// DNSSEC algorithm numbers (RFC 4034 App. A.1 and the IANA registry).
constexpr std::array<Mnemonic, 16> kAlgorithms{{{"RSAMD5", 1},
                                                {"DH", 2},
                                                {"DSA", 3},
                                                {"RSASHA1", 5},
                                                {"DSA-NSEC3-SHA1", 6},
                                                {"RSASHA1-NSEC3-SHA1", 7},
                                                {"RSASHA256", 8},
                                                {"RSASHA512", 10},
                                                {"ECC-GOST", 12},
                                                {"ECDSAP256SHA256", 13},
                                                {"ECDSAP384SHA384", 14},
                                                {"ED25519", 15},
                                                {"ED448", 16},
                                                {"INDIRECT", 252},
                                                {"PRIVATEDNS", 253},
                                                {"PRIVATEOID", 254}}};

// CERT types (RFC 4398 §2.1).
constexpr std::array<Mnemonic, 10> kCertTypes{{{"PKIX", 1},
                                               {"SPKI", 2},
                                               {"PGP", 3},
                                               {"IPKIX", 4},
                                               {"ISPKI", 5},
                                               {"IPGP", 6},
                                               {"ACPKIX", 7},
                                               {"IACPKIX", 8},
                                               {"URI", 253},
                                               {"OID", 254}}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20) || x == y;
         });
}

template <std::size_t N>
std::string parse_mnemonic_or_number(const std::array<Mnemonic, N>& table, std::string_view text,
                                     std::uint64_t max, std::uint64_t& value) {
  for (const auto& m : table)
    if (iequals(m.name, text)) {
      value = m.value;
      return {};
    }
  return parse_number(text, max, value);
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// RFC 4034 §3.2: YYYYMMDDHHmmSS in UTC, or a plain decimal count of seconds. Dates map onto
// 32-bit serial-number time (RFC 1982), so years past 2106 wrap.
std::string parse_time(std::string_view text, std::uint32_t& value) {
  if (text.size() == 14 && text.find_first_not_of("0123456789") == std::string_view::npos) {
    auto num = [&](std::size_t at, std::size_t len) {
      unsigned v = 0;
      for (std::size_t i = at; i < at + len; ++i) v = v * 10 + static_cast<unsigned>(text[i] - '0');
      return v;
    };
    unsigned year = num(0, 4), month = num(4, 2), day = num(6, 2);
    unsigned hour = num(8, 2), minute = num(10, 2), second = num(12, 2);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
      return "bad date and time \"" + std::string(text) + "\"";
    std::int64_t t = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    value = static_cast<std::uint32_t>(static_cast<std::uint64_t>(t));
    return {};
  }
  std::uint64_t v = 0;
  auto err = parse_number(text, 0xFFFFFFFFu, v);
  if (!err.empty()) return "expected YYYYMMDDHHmmSS or seconds, found \"" + std::string(text) + "\"";
  value = static_cast<std::uint32_t>(v);
  return {};
}

void print_time(std::uint32_t value, std::string& out) {
  std::int64_t t = value;
  std::int64_t days = t / 86400, rem = t % 86400;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02u%02lld%02lld%02lld", static_cast<long long>(y), m,
                d, static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  out += buf;
}

// Joins every remaining token (encoded data may be split by whitespace).
std::string join_rest(TextCursor& in) {
  std::string joined;
  while (!in.done()) joined.append(in.next().text);
  return joined;
}

std::string parse_bitmap(TextCursor& in, Bytes& out) {
  std::array<std::uint8_t, 8192> bits{};
  bool any = false;
  while (!in.done()) {
    const auto& tok = in.next();
    auto type = type_from_text(tok.text);
    if (!type) return "unknown type \"" + std::string(tok.text) + "\" in type bitmap";
    bits[*type >> 3] |= static_cast<std::uint8_t>(0x80 >> (*type & 7));
    any = true;
  }
  if (!any) return {};
  // RFC 4034 §4.1.2: per 256-type window, its number, the bitmap length, the trimmed bitmap.
  for (unsigned window = 0; window < 256; ++window) {
    int last = -1;
    for (int i = 31; i >= 0; --i)
      if (bits[window * 32 + static_cast<unsigned>(i)]) {
        last = i;
        break;
      }
    if (last < 0) continue;
    out.push_back(static_cast<std::uint8_t>(window));
    out.push_back(static_cast<std::uint8_t>(last + 1));
    for (int i = 0; i <= last; ++i) out.push_back(bits[window * 32 + static_cast<unsigned>(i)]);
  }
  return {};
}

bool print_bitmap(WireCursor& in, std::string& out) {
  int previous_window = -1;
  bool first = true;
  while (!in.done()) {
    if (in.left() < 2) return false;
    unsigned window = in.data[in.pos];
    unsigned length = in.data[in.pos + 1];
    if (static_cast<int>(window) <= previous_window || length < 1 || length > 32) return false;
    if (in.left() < 2 + length) return false;
    previous_window = static_cast<int>(window);
    for (unsigned i = 0; i < length; ++i) {
      std::uint8_t octet = in.data[in.pos + 2 + i];
      for (unsigned bit = 0; bit < 8; ++bit)
        if (octet & (0x80 >> bit)) {
          if (!first) out.push_back(' ');
          first = false;
          out += type_to_text(static_cast<std::uint16_t>(window * 256 + i * 8 + bit));
        }
    }
    in.pos += 2 + length;
  }
  return true;
}

std::string parse_hex_groups(std::string_view text, char sep, std::size_t groups,
                             std::size_t digits, Bytes& out) {
  std::size_t at = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    if (g > 0) {
      if (at >= text.size() || text[at] != sep) return "bad separator in \"" + std::string(text) + "\"";
      ++at;
    }
    if (at + digits > text.size()) return "too short: \"" + std::string(text) + "\"";
    core::Bytes part;
    if (!core::decode_hex(text.substr(at, digits), part)) return "bad hex digit in \"" + std::string(text) + "\"";
    out.insert(out.end(), part.begin(), part.end());
    at += digits;
  }
  if (at != text.size()) return "trailing characters in \"" + std::string(text) + "\"";
  return {};
}

void print_hex_groups(const std::uint8_t* p, char sep, std::size_t groups, std::size_t octets,
                      std::string& out) {
  for (std::size_t g = 0; g < groups; ++g) {
    if (g > 0) out.push_back(sep);
    core::append_hex({p + g * octets, octets}, out, false);
  }
}

}  // namespace

bool takes_rest(FieldKind kind) {
  switch (kind) {
    case FieldKind::CharStrings:
    case FieldKind::HexRest:
    case FieldKind::HexRestOrEmpty:
    case FieldKind::Base64Rest:
    case FieldKind::Base64RestOrEmpty:
    case FieldKind::TypeBitmap:
    case FieldKind::SvcParams:
    case FieldKind::Loc:
    case FieldKind::Apl:
    case FieldKind::IpseckeyGateway:
      return true;
    default:
      return false;
  }
}

std::string parse_char_string(std::string_view raw, Bytes& out, bool split_long) {
  std::size_t length_at = out.size();
  out.push_back(0);
  std::size_t count = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<std::uint8_t>(raw[i]);
    if (c == '\\') {
      if (i + 1 >= raw.size()) return "backslash at the end of a string";
      auto e = static_cast<std::uint8_t>(raw[i + 1]);
      if (e >= '0' && e <= '9') {
        if (i + 3 >= raw.size() || raw[i + 2] < '0' || raw[i + 2] > '9' || raw[i + 3] < '0' ||
            raw[i + 3] > '9')
          return "\\DDD escape needs exactly three digits";
        int v = (e - '0') * 100 + (raw[i + 2] - '0') * 10 + (raw[i + 3] - '0');
        if (v > 255) return "\\DDD escape above 255";
        c = static_cast<std::uint8_t>(v);
        i += 3;
      } else {
        c = e;
        i += 1;
      }
    }
    if (count == 255) {
      if (!split_long) return "character string longer than 255 octets";
      out[length_at] = 255;
      length_at = out.size();
      out.push_back(0);
      count = 0;
    }
    out.push_back(c);
    ++count;
  }
  out[length_at] = static_cast<std::uint8_t>(count);
  return {};
}

void print_char_string(std::span<const std::uint8_t> octets, std::string& out) {
  out.push_back('"');
  for (auto c : octets) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < ' ' || c >= 0x7f) {
      char buf[5] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + c / 10 % 10),
                     static_cast<char>('0' + c % 10), 0};
      out.append(buf, 4);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

std::string parse(FieldKind kind, TextCursor& in, Bytes& out) {
  const bool optional_rest = kind == FieldKind::HexRestOrEmpty ||
                             kind == FieldKind::Base64RestOrEmpty || kind == FieldKind::TypeBitmap;
  if (in.done() && !optional_rest) return "missing value";
  switch (kind) {
    case FieldKind::U8:
    case FieldKind::U16:
    case FieldKind::U32: {
      std::uint64_t max = kind == FieldKind::U8 ? 0xFF : kind == FieldKind::U16 ? 0xFFFF : 0xFFFFFFFF;
      std::uint64_t v = 0;
      auto err = parse_number(in.next().text, max, v);
      if (!err.empty()) return err;
      if (kind == FieldKind::U8) out.push_back(static_cast<std::uint8_t>(v));
      else if (kind == FieldKind::U16) put16(out, static_cast<std::uint32_t>(v));
      else put32(out, static_cast<std::uint32_t>(v));
      return {};
    }
    case FieldKind::Period: {
      const auto& tok = in.next();
      auto v = parse_ttl(tok.text);
      if (!v) return "bad time value \"" + std::string(tok.text) + "\"";
      put32(out, *v);
      return {};
    }
    case FieldKind::Algorithm: {
      std::uint64_t v = 0;
      auto err = parse_mnemonic_or_number(kAlgorithms, in.next().text, 0xFF, v);
      if (!err.empty()) return err;
      out.push_back(static_cast<std::uint8_t>(v));
      return {};
    }
    case FieldKind::CertType: {
      std::uint64_t v = 0;
      auto err = parse_mnemonic_or_number(kCertTypes, in.next().text, 0xFFFF, v);
      if (!err.empty()) return err;
      put16(out, static_cast<std::uint32_t>(v));
      return {};
    }
    case FieldKind::TypeCode: {
      const auto& tok = in.next();
      auto t = type_from_text(tok.text);
      if (!t) return "unknown type \"" + std::string(tok.text) + "\"";
      put16(out, *t);
      return {};
    }
    case FieldKind::Time: {
      std::uint32_t v = 0;
      auto err = parse_time(in.next().text, v);
      if (!err.empty()) return err;
      put32(out, v);
      return {};
    }
    case FieldKind::CompressedName:
    case FieldKind::Name: {
      std::uint8_t buf[kMaxNameLength];
      const auto& tok = in.next();
      auto len = parse_name(tok.text, in.origin, buf);
      if (!len) return len.error().message + " \"" + std::string(tok.text) + "\"";
      out.insert(out.end(), buf, buf + *len);
      return {};
    }
    case FieldKind::IPv4: {
      const auto& tok = in.next();
      // inet_pton accepts exactly four dotted decimals, which is the RFC 1035 §3.4.1 form.
      std::string text(tok.text);
      std::uint8_t addr[4];
      if (inet_pton(AF_INET, text.c_str(), addr) != 1) return "bad IPv4 address \"" + text + "\"";
      out.insert(out.end(), addr, addr + 4);
      return {};
    }
    case FieldKind::IPv6: {
      const auto& tok = in.next();
      std::string text(tok.text);
      std::uint8_t addr[16];
      if (inet_pton(AF_INET6, text.c_str(), addr) != 1) return "bad IPv6 address \"" + text + "\"";
      out.insert(out.end(), addr, addr + 16);
      return {};
    }
    case FieldKind::CharString:
      return parse_char_string(in.next().text, out, false);
    case FieldKind::CharStrings:
      while (!in.done()) {
        auto err = parse_char_string(in.next().text, out, true);
        if (!err.empty()) return err;
      }
      return {};
    case FieldKind::StringRest: {
      Bytes tmp;
      auto err = parse_char_string(in.next().text, tmp, true);
      if (!err.empty()) return err;
      // Drop the length octets parse_char_string inserted every 255 octets.
      for (std::size_t i = 0; i < tmp.size();) {
        std::size_t len = tmp[i];
        out.insert(out.end(), tmp.begin() + static_cast<std::ptrdiff_t>(i + 1),
                   tmp.begin() + static_cast<std::ptrdiff_t>(i + 1 + len));
        i += len + 1;
      }
      return {};
    }
    case FieldKind::CaaTag: {
      const auto& tok = in.next();
      if (tok.text.empty() || tok.text.size() > 255) return "CAA tag must be 1 to 255 characters";
      for (char c : tok.text)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
          return "CAA tag \"" + std::string(tok.text) + "\" may hold only letters and digits";
      out.push_back(static_cast<std::uint8_t>(tok.text.size()));
      out.insert(out.end(), tok.text.begin(), tok.text.end());
      return {};
    }
    case FieldKind::HexRest:
    case FieldKind::HexRestOrEmpty: {
      auto text = join_rest(in);
      if (text.empty() && kind == FieldKind::HexRest) return "missing hex data";
      core::Bytes bytes;
      if (auto r = core::decode_hex(text, bytes); !r) return r.error().message;
      out.insert(out.end(), bytes.begin(), bytes.end());
      return {};
    }
    case FieldKind::Base64Rest:
    case FieldKind::Base64RestOrEmpty: {
      auto text = join_rest(in);
      if (text.empty() && kind == FieldKind::Base64Rest) return "missing Base64 data";
      core::Bytes bytes;
      if (auto r = core::decode_base64(text, bytes); !r) return r.error().message;
      out.insert(out.end(), bytes.begin(), bytes.end());
      return {};
    }
    case FieldKind::HexWithLength: {
      const auto& tok = in.next();
      if (tok.text == "-") {
        out.push_back(0);
        return {};
      }
      core::Bytes bytes;
      if (auto r = core::decode_hex(tok.text, bytes); !r) return r.error().message;
      if (bytes.size() > 255) return "more than 255 octets";
      out.push_back(static_cast<std::uint8_t>(bytes.size()));
      out.insert(out.end(), bytes.begin(), bytes.end());
      return {};
    }
    case FieldKind::Base32WithLength: {
      const auto& tok = in.next();
      core::Bytes bytes;
      if (auto r = core::decode_base32hex(tok.text, bytes); !r) return r.error().message;
      if (bytes.empty() || bytes.size() > 255) return "hashed owner name must be 1 to 255 octets";
      out.push_back(static_cast<std::uint8_t>(bytes.size()));
      out.insert(out.end(), bytes.begin(), bytes.end());
      return {};
    }
    case FieldKind::TypeBitmap:
      return parse_bitmap(in, out);
    case FieldKind::Eui48:
      return parse_hex_groups(in.next().text, '-', 6, 2, out);
    case FieldKind::Eui64:
      return parse_hex_groups(in.next().text, '-', 8, 2, out);
    case FieldKind::Ilnp64:
      return parse_hex_groups(in.next().text, ':', 4, 4, out);
    case FieldKind::SvcParams:
    case FieldKind::Loc:
    case FieldKind::Apl:
    case FieldKind::IpseckeyGateway:
      return "text form of this field is not supported; use the RFC 3597 \\# form";
  }
  return "unknown field kind";
}

bool print(FieldKind kind, WireCursor& in, std::string& out) {
  const std::uint8_t* p = in.data.data() + in.pos;
  auto need = [&](std::size_t n) { return in.left() >= n; };
  switch (kind) {
    case FieldKind::U8:
    case FieldKind::Algorithm:
      if (!need(1)) return false;
      out += std::to_string(p[0]);
      in.pos += 1;
      return true;
    case FieldKind::U16:
    case FieldKind::CertType:
      if (!need(2)) return false;
      out += std::to_string(get16(p));
      in.pos += 2;
      return true;
    case FieldKind::U32:
    case FieldKind::Period:
      if (!need(4)) return false;
      out += std::to_string(get32(p));
      in.pos += 4;
      return true;
    case FieldKind::TypeCode:
      if (!need(2)) return false;
      out += type_to_text(static_cast<std::uint16_t>(get16(p)));
      in.pos += 2;
      return true;
    case FieldKind::Time:
      if (!need(4)) return false;
      print_time(get32(p), out);
      in.pos += 4;
      return true;
    case FieldKind::CompressedName:
    case FieldKind::Name: {
      std::size_t len = wire_name_length(in.data.subspan(in.pos));
      if (len == 0) return false;
      append_name_text({p, len}, out);
      in.pos += len;
      return true;
    }
    case FieldKind::IPv4: {
      if (!need(4)) return false;
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, p, buf, sizeof buf);
      out += buf;
      in.pos += 4;
      return true;
    }
    case FieldKind::IPv6: {
      if (!need(16)) return false;
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, p, buf, sizeof buf);
      out += buf;
      in.pos += 16;
      return true;
    }
    case FieldKind::CharString:
      if (!need(1) || !need(1u + p[0])) return false;
      print_char_string({p + 1, p[0]}, out);
      in.pos += 1u + p[0];
      return true;
    case FieldKind::CharStrings: {
      if (in.done()) return false;
      bool first = true;
      while (!in.done()) {
        const std::uint8_t* q = in.data.data() + in.pos;
        if (in.left() < 1u + q[0]) return false;
        if (!first) out.push_back(' ');
        first = false;
        print_char_string({q + 1, q[0]}, out);
        in.pos += 1u + q[0];
      }
      return true;
    }
    case FieldKind::StringRest:
      print_char_string(in.data.subspan(in.pos), out);
      in.pos = in.data.size();
      return true;
    case FieldKind::CaaTag: {
      if (!need(1) || p[0] == 0 || !need(1u + p[0])) return false;
      for (std::size_t i = 1; i <= p[0]; ++i) {
        char c = static_cast<char>(p[i]);
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
          return false;
      }
      out.append(reinterpret_cast<const char*>(p + 1), p[0]);
      in.pos += 1u + p[0];
      return true;
    }
    case FieldKind::HexRest:
    case FieldKind::HexRestOrEmpty:
      if (in.done() && kind == FieldKind::HexRest) return false;
      core::append_hex(in.data.subspan(in.pos), out);
      in.pos = in.data.size();
      return true;
    case FieldKind::Base64Rest:
    case FieldKind::Base64RestOrEmpty:
      if (in.done() && kind == FieldKind::Base64Rest) return false;
      core::append_base64(in.data.subspan(in.pos), out);
      in.pos = in.data.size();
      return true;
    case FieldKind::HexWithLength:
      if (!need(1) || !need(1u + p[0])) return false;
      if (p[0] == 0) out.push_back('-');
      else core::append_hex({p + 1, p[0]}, out);
      in.pos += 1u + p[0];
      return true;
    case FieldKind::Base32WithLength:
      if (!need(1) || p[0] == 0 || !need(1u + p[0])) return false;
      core::append_base32hex({p + 1, p[0]}, out);
      in.pos += 1u + p[0];
      return true;
    case FieldKind::TypeBitmap:
      return print_bitmap(in, out);
    case FieldKind::Eui48:
      if (!need(6)) return false;
      print_hex_groups(p, '-', 6, 1, out);
      in.pos += 6;
      return true;
    case FieldKind::Eui64:
      if (!need(8)) return false;
      print_hex_groups(p, '-', 8, 1, out);
      in.pos += 8;
      return true;
    case FieldKind::Ilnp64:
      if (!need(8)) return false;
      print_hex_groups(p, ':', 4, 2, out);
      in.pos += 8;
      return true;
    case FieldKind::SvcParams:
    case FieldKind::Loc:
    case FieldKind::Apl:
    case FieldKind::IpseckeyGateway:
      return false;
  }
  return false;
}

std::string copy_from_message(FieldKind kind, std::span<const std::uint8_t> message,
                              std::size_t& pos, std::size_t end, bool decompress, Bytes& out) {
  if (kind == FieldKind::CompressedName || (kind == FieldKind::Name && decompress)) {
    std::uint8_t buf[kMaxNameLength];
    std::size_t len = 0;
    auto used = read_message_name(message.first(end), pos, buf, len);
    if (!used) return used.error().message;
    out.insert(out.end(), buf, buf + len);
    pos += *used;
    return {};
  }
  // Any other field: measure it by decoding, then copy its octets as they are.
  WireCursor cursor{message.subspan(pos, end - pos), 0};
  std::string scratch;
  if (!print(kind, cursor, scratch)) return "malformed field";
  out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(pos),
             message.begin() + static_cast<std::ptrdiff_t>(pos + cursor.pos));
  pos += cursor.pos;
  return {};
}

}  // namespace mxkit::dns::fields
