// LOC rdata (RFC 1876): latitude, longitude, altitude and three precisions.
#include <cstdlib>

#include "dns/rdata_fields.hpp"

namespace mxkit::dns::fields {

namespace {

constexpr std::uint32_t kEquator = 1u << 31;     // RFC 1876 §2: 2^31 is 0° latitude/longitude
constexpr std::int64_t kAltitudeBase = 10000000;  // altitude origin: 100,000 m below the spheroid
constexpr std::int64_t kMaxPrecision = 9000000000;  // 9e9 cm, the largest value 4 bits can hold

// A decimal with at most `decimals` fractional digits, scaled to an integer ("1.5", 2 → 150).
// Leading '-' only when `negative_ok`.
bool parse_fixed(std::string_view text, int decimals, bool negative_ok, std::int64_t max,
                 std::int64_t& value) {
  bool negative = false;
  if (negative_ok && !text.empty() && text[0] == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  std::int64_t v = 0;
  std::size_t i = 0, whole = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++whole) {
    v = v * 10 + (text[i] - '0');
    if (v > max) return false;
  }
  if (whole == 0) return false;
  int fraction = 0;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (++fraction > decimals) return false;
      v = v * 10 + (text[i] - '0');
    }
  }
  if (i != text.size()) return false;
  for (; fraction < decimals; ++fraction) v *= 10;
  value = negative ? -v : v;
  return true;
}

// Meters with an optional "m", to centimeters.
bool parse_meters(std::string_view text, bool negative_ok, std::int64_t& cm) {
  if (text.ends_with('m')) text.remove_suffix(1);
  return parse_fixed(text, 2, negative_ok, kMaxPrecision, cm);
}

// RFC 1876 §2 precision: the leading digit as mantissa, the power of ten as exponent.
// Lower digits are dropped, as BIND and Knot drop them.
std::uint8_t encode_precision(std::int64_t cm) {
  unsigned exponent = 0;
  while (cm > 9) {
    cm /= 10;
    ++exponent;
  }
  return static_cast<std::uint8_t>(cm << 4 | exponent);
}

// d [m [s]] followed by one of two hemisphere letters; returns thousandths of a second of arc
// with the hemisphere's sign.
std::string parse_angle(TextCursor& in, unsigned max_degrees, char positive, char negative,
                        std::int64_t& value) {
  std::int64_t parts[3] = {0, 0, 0};
  const std::int64_t limits[3] = {max_degrees, 59, 59999};
  for (int k = 0; k < 4; ++k) {
    if (in.done()) return in.missing("value");
    const Token& tok = in.next();
    if (k > 0 && tok.text.size() == 1) {
      const char h = static_cast<char>(tok.text[0] & ~0x20);
      if (h == positive || h == negative) {
        value = (parts[0] * 3600000 + parts[1] * 60000 + parts[2]) * (h == negative ? -1 : 1);
        return {};
      }
    }
    if (k == 3) return std::string("expected ") + positive + " or " + negative + ", found \"" +
                       std::string(tok.text) + "\"";
    std::int64_t v = 0;
    if (!parse_fixed(tok.text, k == 2 ? 3 : 0, false, limits[k], v) || v > limits[k])
      return "bad " + std::string(k == 0 ? "degrees" : k == 1 ? "minutes" : "seconds") +
             " \"" + std::string(tok.text) + "\"";
    parts[k] = v;
  }
  return "missing value";
}

bool precision_fits(std::uint8_t p) { return p == 0 || ((p >> 4) >= 1 && (p >> 4) <= 9 && (p & 15) <= 9); }

void print_angle(std::uint32_t raw, unsigned max_degrees, char positive, char negative,
                 std::string& out, bool& ok) {
  const std::int64_t offset = static_cast<std::int64_t>(raw) - kEquator;
  const std::uint64_t magnitude = static_cast<std::uint64_t>(std::llabs(offset));
  const std::uint64_t degrees = magnitude / 3600000;
  if (degrees > max_degrees) {
    ok = false;
    return;
  }
  append_number(degrees, out);
  out.push_back(' ');
  append_number(magnitude / 60000 % 60, out);
  out.push_back(' ');
  const std::uint64_t ms = magnitude % 60000;
  append_number(ms / 1000, out);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + ms / 100 % 10));
  out.push_back(static_cast<char>('0' + ms / 10 % 10));
  out.push_back(static_cast<char>('0' + ms % 10));
  out.push_back(' ');
  out.push_back(offset < 0 ? negative : positive);
}

void print_meters(std::int64_t cm, bool always_decimals, std::string& out) {
  if (cm < 0) out.push_back('-');
  const std::uint64_t magnitude = static_cast<std::uint64_t>(cm < 0 ? -cm : cm);
  append_number(magnitude / 100, out);
  if (always_decimals || magnitude % 100 != 0) {
    out.push_back('.');
    out.push_back(static_cast<char>('0' + magnitude / 10 % 10));
    out.push_back(static_cast<char>('0' + magnitude % 10));
  }
  out.push_back('m');
}

}  // namespace

// RFC 1876 §3: d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt["m"] [siz["m"] [hp["m"] [vp["m"]]]]
// with siz, hp and vp defaulting to 1 m, 10,000 m and 10 m.
std::string parse_loc(TextCursor& in, Bytes& out) {
  std::int64_t latitude = 0, longitude = 0;
  if (auto err = parse_angle(in, 90, 'N', 'S', latitude); !err.empty()) return "latitude: " + err;
  if (auto err = parse_angle(in, 180, 'E', 'W', longitude); !err.empty()) return "longitude: " + err;
  if (in.done()) return in.missing("altitude");
  std::int64_t altitude = 0;
  {
    const Token& tok = in.next();
    if (!parse_meters(tok.text, true, altitude) || altitude < -kAltitudeBase ||
        altitude + kAltitudeBase > 0xFFFFFFFF)
      return "bad altitude \"" + std::string(tok.text) + "\" (-100000.00m to 42849672.95m)";
  }
  std::int64_t precision[3] = {100, 1000000, 1000};  // size, horizontal, vertical (cm)
  for (auto& p : precision) {
    if (in.done()) break;
    const Token& tok = in.next();
    if (!parse_meters(tok.text, false, p) || p > kMaxPrecision)
      return "bad size or precision \"" + std::string(tok.text) + "\" (0 to 90000000.00m)";
  }
  out.push_back(0);  // version
  for (auto p : precision) out.push_back(encode_precision(p));
  put32(out, static_cast<std::uint32_t>(kEquator + latitude));
  put32(out, static_cast<std::uint32_t>(kEquator + longitude));
  put32(out, static_cast<std::uint32_t>(altitude + kAltitudeBase));
  return {};
}

bool print_loc(WireCursor& in, std::string* out) {
  // RFC 1876 §2: only version 0 is defined; other versions are opaque (RFC 3597 §5 names
  // them as a use of the \# form) and have no text here.
  if (in.done()) return false;
  const std::uint8_t* p = in.here();
  if (p[0] != 0) {
    if (out) return false;
    in.pos = in.data.size();
    return true;
  }
  if (in.left() != 16) return false;
  in.pos += 16;
  if (!out) return true;
  if (!precision_fits(p[1]) || !precision_fits(p[2]) || !precision_fits(p[3])) return false;
  bool ok = true;
  print_angle(get32(p + 4), 90, 'N', 'S', *out, ok);
  out->push_back(' ');
  print_angle(get32(p + 8), 180, 'E', 'W', *out, ok);
  out->push_back(' ');
  print_meters(static_cast<std::int64_t>(get32(p + 12)) - kAltitudeBase, true, *out);
  for (int i = 1; i <= 3; ++i) {
    std::int64_t cm = p[i] >> 4;
    for (int e = 0; e < (p[i] & 15); ++e) cm *= 10;
    out->push_back(' ');
    print_meters(cm, false, *out);
  }
  return ok;
}

}  // namespace mxkit::dns::fields
