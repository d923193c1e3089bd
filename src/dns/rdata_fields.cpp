// Field codecs: presentation text ↔ wire for the simple FieldKinds, and the dispatch to the
// kinds that have files of their own.
#include "dns/rdata_fields.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/encoding.hpp"
#include "dns/rdata_inet.hpp"
#include "dns/rrtype.hpp"
#include "dns/ttl.hpp"

namespace mxkit::dns::fields {

namespace {

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

// DSYNC schemes (RFC 9859 §2 and its IANA registry).
constexpr std::array<Mnemonic, 1> kDsyncSchemes{{{"NOTIFY", 1}}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto fold = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
           return fold(x) == fold(y);
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

unsigned days_in_month(unsigned year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// RFC 4034 §3.2: YYYYMMDDHHmmSS in UTC, or a decimal count of seconds. Dates map onto 32-bit
// serial-number time (RFC 4034 §3.1.5), so dates past 2106 wrap; years are held to
// 1970-2225, the window Knot DNS accepts, so zones other servers load load here too.
std::string parse_time(std::string_view text, std::uint32_t& value) {
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits && text.size() == 14) {
    auto num = [&](std::size_t at, std::size_t len) {
      unsigned v = 0;
      for (std::size_t i = at; i < at + len; ++i) v = v * 10 + static_cast<unsigned>(text[i] - '0');
      return v;
    };
    unsigned year = num(0, 4), month = num(4, 2), day = num(6, 2);
    unsigned hour = num(8, 2), minute = num(10, 2), second = num(12, 2);
    if (year < 1970 || year > 2225 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59)
      return "bad date and time \"" + std::string(text) + "\" (YYYYMMDDHHmmSS, years 1970-2225)";
    std::int64_t t = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    value = static_cast<std::uint32_t>(static_cast<std::uint64_t>(t));
    return {};
  }
  std::uint64_t v = 0;
  if (!digits || text.size() > 10 || !parse_number(text, 0xFFFFFFFFu, v).empty())
    return "expected YYYYMMDDHHmmSS or seconds, found \"" + std::string(text) + "\"";
  value = static_cast<std::uint32_t>(v);
  return {};
}

void print_time(std::uint32_t value, std::string& out) {
  const std::int64_t t = value;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(t / 86400, y, m, d);
  const auto rem = static_cast<unsigned>(t % 86400);
  const unsigned parts[] = {m, d, rem / 3600, rem / 60 % 60, rem % 60};
  append_number(static_cast<std::uint64_t>(y), out);
  for (unsigned p : parts) {
    out.push_back(static_cast<char>('0' + p / 10));
    out.push_back(static_cast<char>('0' + p % 10));
  }
}

// RFC 4034 §4.1.2: the types, sorted, as window blocks of trimmed bitmaps.
std::string parse_bitmap(TextCursor& in, Bytes& out) {
  // Collect the codes on the stack: a bitmap of all 65536 types would cost a large memset
  // per NSEC record, and signed zones are full of them.
  std::array<std::uint16_t, 256> small;
  std::vector<std::uint16_t> large;
  const std::size_t count = in.tokens.size() - in.index;
  std::uint16_t* codes = small.data();
  if (count > small.size()) {
    large.resize(count);
    codes = large.data();
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto& tok = in.next();
    auto type = tok.quoted ? std::nullopt : type_from_text(tok.text);
    if (!type) return "unknown type \"" + std::string(tok.text) + "\" in the type bitmap";
    codes[i] = *type;
  }
  std::sort(codes, codes + count);
  std::size_t i = 0;
  while (i < count) {
    const unsigned window = codes[i] >> 8;
    std::array<std::uint8_t, 32> bits{};
    unsigned length = 0;
    for (; i < count && (codes[i] >> 8) == window; ++i) {
      const unsigned low = codes[i] & 0xFF;
      bits[low >> 3] |= static_cast<std::uint8_t>(0x80 >> (low & 7));
      length = (low >> 3) + 1;
    }
    out.push_back(static_cast<std::uint8_t>(window));
    out.push_back(static_cast<std::uint8_t>(length));
    out.insert(out.end(), bits.begin(), bits.begin() + length);
  }
  return {};
}

bool print_bitmap(WireCursor& in, std::string* out) {
  int previous_window = -1;
  bool first = true;
  while (!in.done()) {
    if (in.left() < 2) return false;
    const unsigned window = in.data[in.pos];
    const unsigned length = in.data[in.pos + 1];
    if (length < 1 || length > 32 || in.left() < 2 + length) return false;
    // RFC 4034 §4.1.2: windows ascend and end on a non-zero octet. Octets that break this still
    // decode, but their text would read back as other octets.
    if (out && (static_cast<int>(window) <= previous_window || in.data[in.pos + 1 + length] == 0))
      return false;
    previous_window = static_cast<int>(window);
    if (out) {
      for (unsigned i = 0; i < length; ++i) {
        const std::uint8_t octet = in.data[in.pos + 2 + i];
        for (unsigned bit = 0; bit < 8; ++bit)
          if (octet & (0x80 >> bit)) {
            if (!first) out->push_back(' ');
            first = false;
            *out += type_to_text(static_cast<std::uint16_t>(window * 256 + i * 8 + bit));
          }
      }
    }
    in.pos += 2 + length;
  }
  return true;
}

// Fixed groups of hex digits joined by `sep` (EUI-48/64 with '-', ILNP locators with ':').
std::string parse_hex_groups(std::string_view text, char sep, std::size_t groups,
                             std::size_t digits, Bytes& out) {
  if (text.size() != groups * digits + groups - 1)
    return "expected " + std::to_string(groups) + " groups of " + std::to_string(digits) +
           " hex digits, found \"" + std::string(text) + "\"";
  for (std::size_t g = 0; g < groups; ++g) {
    const std::size_t at = g * (digits + 1);
    if (g > 0 && text[at - 1] != sep)
      return std::string("groups must be separated by '") + sep + "' in \"" + std::string(text) + "\"";
    for (std::size_t k = 0; k < digits; k += 2) {
      int hi = core::hex_value(text[at + k]), lo = core::hex_value(text[at + k + 1]);
      if (hi < 0 || lo < 0) return "bad hex digit in \"" + std::string(text) + "\"";
      out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
  }
  return {};
}

void print_hex_groups(const std::uint8_t* p, char sep, std::size_t groups, std::size_t octets,
                      std::string& out) {
  for (std::size_t g = 0; g < groups; ++g) {
    if (g > 0) out.push_back(sep);
    core::append_hex({p + g * octets, octets}, out, false);
  }
}

std::string parse_name_field(const Token& tok, WireName origin, Bytes& out) {
  if (tok.quoted) return "a domain name cannot be quoted: \"" + std::string(tok.text) + "\"";
  std::uint8_t buf[kMaxNameLength];
  auto len = parse_name(tok.text, origin, buf);
  if (!len) return len.error().message + " \"" + std::string(tok.text) + "\"";
  out.insert(out.end(), buf, buf + *len);
  return {};
}

}  // namespace

std::string parse_number(std::string_view text, std::uint64_t max, std::uint64_t& value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return "expected a decimal number, found \"" + std::string(text) + "\"";
  std::uint64_t v = 0;
  for (char c : text) {
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return "number " + std::string(text) + " is above " + std::to_string(max);
  }
  value = v;
  return {};
}

void append_number(std::uint64_t value, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

std::string decode_text(std::string_view raw, bool quoted, Bytes& out) {
  const std::size_t n = raw.size();
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<std::uint8_t>(raw[i]);
    if (c == '\\') {
      if (i + 1 >= n) return "backslash at the end of a string";
      auto e = static_cast<std::uint8_t>(raw[i + 1]);
      if (e >= '0' && e <= '9') {
        if (i + 3 >= n || raw[i + 2] < '0' || raw[i + 2] > '9' || raw[i + 3] < '0' ||
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
    } else if (c == '"' && !quoted) {
      return "'\"' inside an unquoted string must be escaped";
    }
    out.push_back(c);
  }
  return {};
}

std::string parse_char_string(std::string_view raw, bool quoted, Bytes& out, bool split_long) {
  std::size_t length_at = out.size();
  out.push_back(0);
  if (auto err = decode_text(raw, quoted, out); !err.empty()) return err;
  std::size_t length = out.size() - length_at - 1;
  if (length <= 255) {
    out[length_at] = static_cast<std::uint8_t>(length);
    return {};
  }
  if (!split_long) return "character string longer than 255 octets";
  // RFC 1035 §3.3.14 TXT: one long text becomes consecutive 255-octet strings.
  const std::size_t extra = (length - 1) / 255;
  out.resize(out.size() + extra);
  auto* base = out.data() + length_at;
  for (std::size_t piece = extra + 1; piece-- > 0;) {
    const std::size_t from = 1 + piece * 255;
    const std::size_t size = std::min<std::size_t>(255, length - piece * 255);
    std::copy_backward(base + from, base + from + size, base + from + piece + size);
    base[from + piece - 1] = static_cast<std::uint8_t>(size);
  }
  return {};
}

void print_char_string(std::span<const std::uint8_t> octets, std::string& out) {
  out.push_back('"');
  for (auto c : octets) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < ' ' || c >= 0x7f) {
      const char buf[4] = {'\\', static_cast<char>('0' + c / 100),
                           static_cast<char>('0' + c / 10 % 10), static_cast<char>('0' + c % 10)};
      out.append(buf, 4);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

std::string parse(FieldKind kind, TextCursor& in, Bytes& out) {
  switch (kind) {
    case FieldKind::TypeBitmap:
      return parse_bitmap(in, out);
    case FieldKind::SvcParams:
      return parse_params(ParamRegistry::Svcb, in, out);
    case FieldKind::DelegInfos:
      return parse_params(ParamRegistry::Deleg, in, out);
    case FieldKind::Apl:
      return parse_apl(in, out);
    default:
      break;
  }
  if (in.done()) return "missing value";
  switch (kind) {
    case FieldKind::U8:
    case FieldKind::U16:
    case FieldKind::U32: {
      const std::uint64_t max = kind == FieldKind::U8 ? 0xFF : kind == FieldKind::U16 ? 0xFFFF : 0xFFFFFFFF;
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
    case FieldKind::Algorithm:
    case FieldKind::DsyncScheme: {
      std::uint64_t v = 0;
      auto err = kind == FieldKind::Algorithm
                     ? parse_mnemonic_or_number(kAlgorithms, in.next().text, 0xFF, v)
                     : parse_mnemonic_or_number(kDsyncSchemes, in.next().text, 0xFF, v);
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
      auto t = tok.quoted ? std::nullopt : type_from_text(tok.text);
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
    case FieldKind::Name:
      return parse_name_field(in.next(), in.origin, out);
    case FieldKind::IPv4: {
      const auto& tok = in.next();
      std::uint8_t addr[4];
      if (!parse_ipv4(tok.text, addr)) return "bad IPv4 address \"" + std::string(tok.text) + "\"";
      out.insert(out.end(), addr, addr + 4);
      return {};
    }
    case FieldKind::IPv6: {
      const auto& tok = in.next();
      std::uint8_t addr[16];
      if (!parse_ipv6(tok.text, addr)) return "bad IPv6 address \"" + std::string(tok.text) + "\"";
      out.insert(out.end(), addr, addr + 16);
      return {};
    }
    case FieldKind::CharString: {
      const auto& tok = in.next();
      return parse_char_string(tok.text, tok.quoted, out, false);
    }
    case FieldKind::CharStrings:
      while (!in.done()) {
        const auto& tok = in.next();
        auto err = parse_char_string(tok.text, tok.quoted, out, true);
        if (!err.empty()) return err;
      }
      return {};
    case FieldKind::StringRest: {
      const auto& tok = in.next();
      return decode_text(tok.text, tok.quoted, out);
    }
    case FieldKind::CaaTag: {
      // RFC 8659 §4.1: 1 or more letters and digits. Knot also takes an empty tag; we keep to
      // the RFC's "MUST be at least 1".
      const auto& tok = in.next();
      if (tok.text.empty() || tok.text.size() > 255) return "CAA tag must be 1 to 255 characters";
      for (char c : tok.text)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
          return "CAA tag \"" + std::string(tok.text) + "\" may hold only letters and digits";
      out.push_back(static_cast<std::uint8_t>(tok.text.size()));
      out.insert(out.end(), tok.text.begin(), tok.text.end());
      return {};
    }
    case FieldKind::HexRest: {
      // RFC 4034 §5.3 and kin: whitespace may appear anywhere within the hex.
      const std::size_t start = out.size();
      core::HexDecoder hex(out);
      while (!in.done())
        if (!hex.feed(in.next().text)) return "bad hex digit";
      if (!hex.finish()) return "odd number of hex digits";
      // An empty quoted token ("") is no data; the wire form needs at least one octet.
      if (out.size() == start) return "missing value";
      return {};
    }
    case FieldKind::Base64Rest: {
      // RFC 4034 §2.2 and kin: "Whitespace is allowed within the Base64 text" — anywhere,
      // as BIND reads it. (Knot requires every token to be whole 4-character quanta.)
      const std::size_t start = out.size();
      core::Base64Decoder b64(out);
      while (!in.done())
        if (auto err = b64.feed(in.next().text); !err.empty()) return std::string(err);
      if (auto err = b64.finish(); !err.empty()) return std::string(err);
      // An empty quoted token ("") is no data; the wire form needs at least one octet.
      if (out.size() == start) return "missing value";
      return {};
    }
    case FieldKind::HexWithLength: {
      // RFC 5155 §3.3: "-" for no salt; otherwise hex with no whitespace inside.
      const auto& tok = in.next();
      const std::size_t length_at = out.size();
      out.push_back(0);
      if (tok.text == "-") return {};
      if (tok.text.empty()) return "missing hex data";
      if (auto r = core::decode_hex(tok.text, out); !r) return r.error().message;
      const std::size_t length = out.size() - length_at - 1;
      if (length > 255) return "more than 255 octets";
      out[length_at] = static_cast<std::uint8_t>(length);
      return {};
    }
    case FieldKind::Base32WithLength: {
      const auto& tok = in.next();
      const std::size_t length_at = out.size();
      out.push_back(0);
      if (auto r = core::decode_base32hex(tok.text, out); !r) return r.error().message;
      const std::size_t length = out.size() - length_at - 1;
      if (length == 0 || length > 255) return "hashed owner name must be 1 to 255 octets";
      out[length_at] = static_cast<std::uint8_t>(length);
      return {};
    }
    case FieldKind::Eui48:
      return parse_hex_groups(in.next().text, '-', 6, 2, out);
    case FieldKind::Eui64:
      return parse_hex_groups(in.next().text, '-', 8, 2, out);
    case FieldKind::Ilnp64:
      return parse_hex_groups(in.next().text, ':', 4, 4, out);
    case FieldKind::Loc:
      return parse_loc(in, out);
    case FieldKind::IpseckeyGateway:
      return parse_ipseckey_gateway(in, out);
    case FieldKind::AmtRelay:
      return parse_amt_relay(in, out);
    case FieldKind::TypeBitmap:
    case FieldKind::SvcParams:
    case FieldKind::DelegInfos:
    case FieldKind::Apl:
      break;  // handled above
  }
  return "unknown field kind";
}

bool print(FieldKind kind, WireCursor& in, std::string* out) {
  const std::uint8_t* p = in.here();
  auto need = [&](std::size_t n) { return in.left() >= n; };
  switch (kind) {
    case FieldKind::DsyncScheme:
      // RFC 9859 §2.2 writes the scheme by its mnemonic.
      if (!need(1)) return false;
      if (out) {
        auto m = std::find_if(kDsyncSchemes.begin(), kDsyncSchemes.end(),
                              [&](const Mnemonic& s) { return s.value == p[0]; });
        if (m != kDsyncSchemes.end()) *out += m->name;
        else append_number(p[0], *out);
      }
      in.pos += 1;
      return true;
    case FieldKind::U8:
    case FieldKind::Algorithm:
      if (!need(1)) return false;
      if (out) append_number(p[0], *out);
      in.pos += 1;
      return true;
    case FieldKind::U16:
    case FieldKind::CertType:
      if (!need(2)) return false;
      if (out) append_number(get16(p), *out);
      in.pos += 2;
      return true;
    case FieldKind::U32:
    case FieldKind::Period:
      if (!need(4)) return false;
      if (out) append_number(get32(p), *out);
      in.pos += 4;
      return true;
    case FieldKind::TypeCode:
      if (!need(2)) return false;
      if (out) *out += type_to_text(static_cast<std::uint16_t>(get16(p)));
      in.pos += 2;
      return true;
    case FieldKind::Time:
      if (!need(4)) return false;
      if (out) print_time(get32(p), *out);
      in.pos += 4;
      return true;
    case FieldKind::CompressedName:
    case FieldKind::Name: {
      const std::size_t len = wire_name_length(in.data.subspan(in.pos));
      if (len == 0) return false;
      if (out) append_name_text({p, len}, *out);
      in.pos += len;
      return true;
    }
    case FieldKind::IPv4:
      if (!need(4)) return false;
      if (out) append_ipv4(p, *out);
      in.pos += 4;
      return true;
    case FieldKind::IPv6:
      if (!need(16)) return false;
      if (out) append_ipv6(p, *out);
      in.pos += 16;
      return true;
    case FieldKind::CharString:
      if (!need(1) || !need(1u + p[0])) return false;
      if (out) print_char_string({p + 1, p[0]}, *out);
      in.pos += 1u + p[0];
      return true;
    case FieldKind::CharStrings: {
      if (in.done()) return false;  // RFC 1035 §3.3.14: one or more strings
      bool first = true;
      while (!in.done()) {
        const std::uint8_t* q = in.here();
        if (in.left() < 1u + q[0]) return false;
        if (out) {
          if (!first) out->push_back(' ');
          print_char_string({q + 1, q[0]}, *out);
        }
        first = false;
        in.pos += 1u + q[0];
      }
      return true;
    }
    case FieldKind::StringRest:
      if (out) print_char_string(in.data.subspan(in.pos), *out);
      in.pos = in.data.size();
      return true;
    case FieldKind::CaaTag: {
      // RFC 8659 §4.1: at least one octet; text carries only letters and digits.
      if (!need(1) || p[0] == 0 || !need(1u + p[0])) return false;
      if (out) {
        for (std::size_t i = 1; i <= p[0]; ++i) {
          const char c = static_cast<char>(p[i]);
          if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
        }
        out->append(reinterpret_cast<const char*>(p + 1), p[0]);
      }
      in.pos += 1u + p[0];
      return true;
    }
    case FieldKind::HexRest:
      if (in.done()) return false;
      if (out) core::append_hex(in.data.subspan(in.pos), *out);
      in.pos = in.data.size();
      return true;
    case FieldKind::Base64Rest:
      if (in.done()) return false;
      if (out) core::append_base64(in.data.subspan(in.pos), *out);
      in.pos = in.data.size();
      return true;
    case FieldKind::HexWithLength:
      if (!need(1) || !need(1u + p[0])) return false;
      if (out) {
        if (p[0] == 0) out->push_back('-');
        else core::append_hex({p + 1, p[0]}, *out);
      }
      in.pos += 1u + p[0];
      return true;
    case FieldKind::Base32WithLength:
      if (!need(1) || p[0] == 0 || !need(1u + p[0])) return false;
      if (out) core::append_base32hex({p + 1, p[0]}, *out);
      in.pos += 1u + p[0];
      return true;
    case FieldKind::TypeBitmap:
      return print_bitmap(in, out);
    case FieldKind::Eui48:
      if (!need(6)) return false;
      if (out) print_hex_groups(p, '-', 6, 1, *out);
      in.pos += 6;
      return true;
    case FieldKind::Eui64:
      if (!need(8)) return false;
      if (out) print_hex_groups(p, '-', 8, 1, *out);
      in.pos += 8;
      return true;
    case FieldKind::Ilnp64:
      if (!need(8)) return false;
      if (out) print_hex_groups(p, ':', 4, 2, *out);
      in.pos += 8;
      return true;
    case FieldKind::SvcParams:
      return print_params(ParamRegistry::Svcb, in, out);
    case FieldKind::DelegInfos:
      return print_params(ParamRegistry::Deleg, in, out);
    case FieldKind::Loc:
      return print_loc(in, out);
    case FieldKind::Apl:
      return print_apl(in, out);
    case FieldKind::IpseckeyGateway:
      return print_ipseckey_gateway(in, out);
    case FieldKind::AmtRelay:
      return print_amt_relay(in, out);
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
  if (!print(kind, cursor, nullptr)) return "malformed field";
  out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(pos),
             message.begin() + static_cast<std::ptrdiff_t>(pos + cursor.pos));
  pos += cursor.pos;
  return {};
}

}  // namespace mxkit::dns::fields
