// The typed gateway of IPSECKEY (RFC 4025) and the typed relay of AMTRELAY (RFC 8777): a type
// octet says whether what follows is nothing ("."), an IPv4 or IPv6 address, or a domain name.
#include "core/encoding.hpp"
#include "dns/rdata_fields.hpp"
#include "dns/rdata_inet.hpp"

namespace mxkit::dns::fields {

namespace {

// Types 0-3 are the ones both RFCs define (RFC 4025 §2.3, RFC 8777 §4.2.3).
std::string parse_typed_address(unsigned type, TextCursor& in, Bytes& out) {
  if (in.done()) return in.missing("gateway");
  const Token& tok = in.next();
  switch (type) {
    case 0:
      // RFC 4025 §3.1: no gateway is written as ".".
      if (tok.text != ".") return "gateway type 0 takes \".\" as its gateway";
      return {};
    case 1: {
      std::uint8_t a[4];
      if (!parse_ipv4(tok.text, a)) return "bad IPv4 gateway \"" + std::string(tok.text) + "\"";
      out.insert(out.end(), a, a + 4);
      return {};
    }
    case 2: {
      std::uint8_t a[16];
      if (!parse_ipv6(tok.text, a)) return "bad IPv6 gateway \"" + std::string(tok.text) + "\"";
      out.insert(out.end(), a, a + 16);
      return {};
    }
    default: {
      std::uint8_t buf[kMaxNameLength];
      auto len = tok.quoted ? core::Result<std::size_t>(core::fail("quoted"))
                            : parse_name(tok.text, in.origin, buf);
      if (!len) return "bad gateway name \"" + std::string(tok.text) + "\"";
      out.insert(out.end(), buf, buf + *len);
      return {};
    }
  }
}

// Moves past the typed address at the cursor (type 0 has none), writing it when `out` is
// given; false when it does not decode.
bool skip_typed_address(unsigned type, WireCursor& in, std::string* out) {
  switch (type) {
    case 0:
      if (out) out->push_back('.');
      return true;
    case 1:
      if (in.left() < 4) return false;
      if (out) append_ipv4(in.here(), *out);
      in.pos += 4;
      return true;
    case 2:
      if (in.left() < 16) return false;
      if (out) append_ipv6(in.here(), *out);
      in.pos += 16;
      return true;
    default: {
      const std::size_t len = wire_name_length(in.data.subspan(in.pos));
      if (len == 0) return false;
      if (out) append_name_text({in.here(), len}, *out);
      in.pos += len;
      return true;
    }
  }
}

std::string parse_small(TextCursor& in, std::uint64_t max, std::uint64_t& v, const char* what) {
  if (in.done()) return in.missing(what);
  if (auto err = parse_number(in.next().text, max, v); !err.empty()) return what + (": " + err);
  return {};
}

}  // namespace

// RFC 4025 §3.1: gateway-type algorithm gateway [public-key]. The key is present exactly when
// the algorithm is not 0 (RFC 4025 §2.4).
std::string parse_ipseckey_gateway(TextCursor& in, Bytes& out) {
  std::uint64_t type = 0, algorithm = 0;
  if (auto err = parse_small(in, 255, type, "gateway type"); !err.empty()) return err;
  if (type > 3) return "unknown gateway type " + std::to_string(type) + " (RFC 4025 §2.3)";
  if (auto err = parse_small(in, 255, algorithm, "algorithm"); !err.empty()) return err;
  out.push_back(static_cast<std::uint8_t>(type));
  out.push_back(static_cast<std::uint8_t>(algorithm));
  if (auto err = parse_typed_address(static_cast<unsigned>(type), in, out); !err.empty()) return err;
  if (algorithm == 0) return {};  // anything more is reported as unexpected by the caller
  if (in.done()) return in.missing("public key (the algorithm is not 0)");
  core::Base64Decoder b64(out);
  while (!in.done())
    if (auto err = b64.feed(in.next().text); !err.empty()) return std::string(err);
  if (auto err = b64.finish(); !err.empty()) return std::string(err);
  return {};
}

bool print_ipseckey_gateway(WireCursor& in, std::string* out) {
  if (in.left() < 2) return false;
  const unsigned type = in.data[in.pos];
  const unsigned algorithm = in.data[in.pos + 1];
  if (type > 3) {
    // A gateway type RFC 4025 does not define: its layout is unknown, so it stays opaque.
    if (out) return false;
    in.pos = in.data.size();
    return true;
  }
  if (out) {
    append_number(type, *out);
    out->push_back(' ');
    append_number(algorithm, *out);
    out->push_back(' ');
  }
  in.pos += 2;
  if (!skip_typed_address(type, in, out)) return false;
  if (in.done()) return !(out && algorithm != 0);
  if (out) {
    if (algorithm == 0) return false;  // text cannot carry a key without an algorithm
    out->push_back(' ');
    core::append_base64(in.data.subspan(in.pos), *out);
  }
  in.pos = in.data.size();
  return true;
}

// RFC 8777 §4.3.1: D-bit relay-type relay, with "." as the relay of type 0.
std::string parse_amt_relay(TextCursor& in, Bytes& out) {
  std::uint64_t discovery = 0, type = 0;
  if (auto err = parse_small(in, 1, discovery, "discovery optional bit"); !err.empty()) return err;
  if (auto err = parse_small(in, 127, type, "relay type"); !err.empty()) return err;
  if (type > 3) return "unknown relay type " + std::to_string(type) + " (RFC 8777 §4.2.3)";
  out.push_back(static_cast<std::uint8_t>(discovery << 7 | type));
  return parse_typed_address(static_cast<unsigned>(type), in, out);
}

bool print_amt_relay(WireCursor& in, std::string* out) {
  if (in.done()) return false;
  const unsigned octet = in.data[in.pos];
  const unsigned type = octet & 0x7F;
  if (type > 3) {
    if (out) return false;
    in.pos = in.data.size();
    return true;
  }
  if (out) {
    append_number(octet >> 7, *out);
    out->push_back(' ');
    append_number(type, *out);
    out->push_back(' ');
  }
  in.pos += 1;
  return skip_typed_address(type, in, out);
}

}  // namespace mxkit::dns::fields
