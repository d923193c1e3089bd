// Domain name codec and ordering.
#include "dns/name.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace mxkit::dns {

namespace {

constexpr std::uint8_t lower(std::uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// Characters that end or change the meaning of a token in a zone file, and so must be escaped
// inside a name. RFC 1035 §5.1 lets any other octet stand for itself.
constexpr bool is_special(std::uint8_t c) {
  return c == '"' || c == '(' || c == ')' || c == ';' || c == '\\' || c == '.' || c == '@' ||
         c == '$';
}

}  // namespace

namespace {

// 0: an ordinary label octet; 1: '.'; 2: '\\'; 3: must be escaped (controls, space, DEL and
// above, and the zone-file delimiters " ( ) ;).
constexpr std::array<std::uint8_t, 256> make_name_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c <= ' '; ++c) t[static_cast<std::size_t>(c)] = 3;
  for (int c = 0x7f; c < 256; ++c) t[static_cast<std::size_t>(c)] = 3;
  t['"'] = t['('] = t[')'] = t[';'] = 3;
  t['.'] = 1;
  t['\\'] = 2;
  return t;
}
constexpr auto kNameClass = make_name_classes();

}  // namespace

core::Result<std::size_t> parse_name(std::string_view text, WireName origin, std::uint8_t* out) {
  const std::size_t n = text.size();
  if (n == 0) return core::fail("empty domain name");
  if (n == 1) {
    if (text[0] == '@') {
      if (origin.empty()) return core::fail("'@' used with no origin");
      std::memcpy(out, origin.data(), origin.size());
      return origin.size();
    }
    if (text[0] == '.') {
      out[0] = 0;
      return 1;
    }
  }
  // `pos` is where the next octet goes; out[label_at] receives the current label's length.
  // One octet is always kept free for the root label, so the name stays within 255.
  std::size_t label_at = 0;
  std::size_t pos = 1;
  std::size_t i = 0;
  for (;;) {
    // The common case: a run of plain octets.
    while (i < n && kNameClass[static_cast<unsigned char>(text[i])] == 0) {
      if (pos >= kMaxNameLength - 1) return core::fail("domain name longer than 255 octets");
      out[pos++] = static_cast<std::uint8_t>(text[i++]);
    }
    if (i == n) break;
    const auto c = static_cast<unsigned char>(text[i]);
    const std::uint8_t k = kNameClass[c];
    if (k == 1) {  // '.'
      std::size_t label_len = pos - label_at - 1;
      if (label_len == 0) return core::fail("empty label in domain name");
      if (label_len > kMaxLabelLength) return core::fail("label longer than 63 octets");
      out[label_at] = static_cast<std::uint8_t>(label_len);
      label_at = pos++;
      if (++i == n) {
        out[label_at] = 0;  // the trailing dot: an absolute name
        return pos;
      }
      if (pos >= kMaxNameLength) return core::fail("domain name longer than 255 octets");
      continue;
    }
    if (k == 3) return core::fail("character that must be escaped in a domain name");
    // '\\': "\X" stands for X, "\DDD" for the octet DDD (exactly three digits).
    if (i + 1 >= n) return core::fail("backslash at end of domain name");
    auto e = static_cast<unsigned char>(text[i + 1]);
    std::uint8_t octet;
    if (e >= '0' && e <= '9') {
      if (i + 3 >= n || text[i + 2] < '0' || text[i + 2] > '9' || text[i + 3] < '0' ||
          text[i + 3] > '9')
        return core::fail("\\DDD escape needs exactly three digits");
      int v = (e - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
      if (v > 255) return core::fail("\\DDD escape above 255");
      octet = static_cast<std::uint8_t>(v);
      i += 4;
    } else {
      octet = e;
      i += 2;
    }
    if (pos >= kMaxNameLength - 1) return core::fail("domain name longer than 255 octets");
    out[pos++] = octet;
  }
  // Relative: close the last label, then append the origin.
  std::size_t label_len = pos - label_at - 1;
  if (label_len > kMaxLabelLength) return core::fail("label longer than 63 octets");
  out[label_at] = static_cast<std::uint8_t>(label_len);
  if (origin.empty()) return core::fail("relative domain name with no origin");
  if (pos + origin.size() > kMaxNameLength)
    return core::fail("domain name longer than 255 octets after appending the origin");
  std::memcpy(out + pos, origin.data(), origin.size());
  return pos + origin.size();
}

void append_name_text(WireName wire, std::string& out) {
  if (wire.empty() || wire[0] == 0) {
    out.push_back('.');
    return;
  }
  std::size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    std::size_t len = wire[i++];
    for (std::size_t j = 0; j < len && i < wire.size(); ++j, ++i) {
      auto c = wire[i];
      if (is_special(c)) {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c <= ' ' || c >= 0x7f) {
        char buf[5] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + c / 10 % 10),
                       static_cast<char>('0' + c % 10), 0};
        out.append(buf, 4);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('.');
  }
}

std::size_t wire_name_length(std::span<const std::uint8_t> data) {
  std::size_t i = 0;
  while (i < data.size()) {
    std::size_t len = data[i];
    if (len == 0) return i + 1 <= kMaxNameLength ? i + 1 : 0;
    if (len > kMaxLabelLength) return 0;
    i += len + 1;
    if (i > kMaxNameLength) return 0;
  }
  return 0;
}

bool names_equal(WireName a, WireName b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size();) {
    std::size_t len = a[i];
    if (b[i] != len) return false;
    ++i;
    for (std::size_t j = 0; j < len; ++j, ++i)
      if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

namespace {
// Offsets of the labels of a wire name, first label first.
std::size_t label_offsets(WireName name, std::array<std::uint8_t, 128>& offsets) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < name.size() && name[i] != 0; i += name[i] + 1)
    offsets[count++] = static_cast<std::uint8_t>(i);
  return count;
}
}  // namespace

std::strong_ordering canonical_compare(WireName a, WireName b) {
  std::array<std::uint8_t, 128> oa{}, ob{};
  std::size_t na = label_offsets(a, oa);
  std::size_t nb = label_offsets(b, ob);
  while (na > 0 && nb > 0) {
    --na;
    --nb;
    const std::uint8_t* la = &a[oa[na]];
    const std::uint8_t* lb = &b[ob[nb]];
    std::size_t lena = la[0], lenb = lb[0];
    std::size_t common = std::min(lena, lenb);
    for (std::size_t k = 1; k <= common; ++k) {
      auto ca = lower(la[k]), cb = lower(lb[k]);
      if (ca != cb) return ca <=> cb;
    }
    if (lena != lenb) return lena <=> lenb;
  }
  return na <=> nb;
}

std::size_t canonical_name_key(WireName name, std::uint8_t* out) {
  std::array<std::uint8_t, 128> offsets;
  std::size_t count = 0;
  for (std::size_t i = 0; i < name.size() && name[i] != 0; i += name[i] + 1u)
    offsets[count++] = static_cast<std::uint8_t>(i);
  std::uint8_t* p = out;
  while (count > 0) {
    std::size_t at = offsets[--count];
    std::size_t len = name[at];
    for (std::size_t k = 1; k <= len; ++k) {
      std::uint8_t c = lower(name[at + k]);
      if (c <= 1) {
        *p++ = 1;
        *p++ = static_cast<std::uint8_t>(c + 1);
      } else {
        *p++ = c;
      }
    }
    *p++ = 0;
  }
  return static_cast<std::size_t>(p - out);
}

bool is_subdomain(WireName name, WireName ancestor) {
  if (ancestor.size() > name.size()) return false;
  // Walk the labels of `name` until the remainder is as long as `ancestor`.
  std::size_t i = 0;
  while (name.size() - i > ancestor.size()) i += name[i] + 1;
  if (name.size() - i != ancestor.size()) return false;
  return names_equal(name.subspan(i), ancestor);
}

std::size_t label_count(WireName name) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < name.size() && name[i] != 0; i += name[i] + 1) ++count;
  return count;
}

Name::Name() : wire_(1, '\0') {}

core::Result<Name> Name::from_text(std::string_view text, const Name& origin) {
  std::array<std::uint8_t, kMaxNameLength> buf{};
  auto len = parse_name(text, origin.wire(), buf.data());
  if (!len) return tl::unexpected(len.error());
  return from_wire({buf.data(), *len});
}

core::Result<Name> Name::from_text(std::string_view text) {
  std::array<std::uint8_t, kMaxNameLength> buf{};
  auto len = parse_name(text, {}, buf.data());
  if (!len) return tl::unexpected(len.error());
  return from_wire({buf.data(), *len});
}

Name Name::from_wire(WireName wire) {
  Name n;
  n.wire_.assign(reinterpret_cast<const char*>(wire.data()), wire.size());
  return n;
}

std::string Name::to_text() const {
  std::string out;
  append_name_text(wire(), out);
  return out;
}

Name Name::parent() const {
  if (is_root()) return *this;
  return from_wire(wire().subspan(static_cast<std::size_t>(wire_[0]) + 1));
}

Name Name::lowercase() const {
  Name n = *this;
  for (std::size_t i = 0; i < n.wire_.size();) {
    std::size_t len = static_cast<std::uint8_t>(n.wire_[i++]);
    for (std::size_t j = 0; j < len; ++j, ++i)
      n.wire_[i] = static_cast<char>(lower(static_cast<std::uint8_t>(n.wire_[i])));
  }
  return n;
}

}  // namespace mxkit::dns

namespace mxkit::dns {

core::Result<std::size_t> read_message_name(std::span<const std::uint8_t> message,
                                            std::size_t offset, std::uint8_t* out,
                                            std::size_t& out_len) {
  std::size_t pos = offset;
  std::size_t consumed = 0;      // set when the first pointer is followed
  std::size_t limit = offset;    // a pointer must point below the start of what it continues
  bool jumped = false;
  std::size_t len = 0;
  std::size_t hops = 0;
  for (;;) {
    if (pos >= message.size()) return core::fail("name runs past the end of the message");
    std::uint8_t octet = message[pos];
    if ((octet & 0xC0) == 0xC0) {
      if (pos + 1 >= message.size()) return core::fail("compression pointer cut short");
      std::size_t target = static_cast<std::size_t>(octet & 0x3F) << 8 | message[pos + 1];
      if (!jumped) consumed = pos + 2 - offset;
      jumped = true;
      if (target >= limit) return core::fail("compression pointer does not point backwards");
      // A name has at most 127 labels, so more pointers than that are never needed; the cap
      // keeps the work per name bounded (long backward chains would otherwise be quadratic).
      if (++hops > kMaxNameLength / 2) return core::fail("too many compression pointers in a name");
      limit = target;
      pos = target;
      continue;
    }
    if ((octet & 0xC0) != 0) return core::fail("unknown label type");
    if (octet == 0) {
      if (len + 1 > kMaxNameLength) return core::fail("name longer than 255 octets");
      out[len++] = 0;
      if (!jumped) consumed = pos + 1 - offset;
      out_len = len;
      return consumed;
    }
    if (pos + 1 + octet > message.size()) return core::fail("label runs past the end of the message");
    if (len + 1 + octet + 1 > kMaxNameLength) return core::fail("name longer than 255 octets");
    std::memcpy(out + len, &message[pos], octet + 1u);
    len += octet + 1u;
    pos += octet + 1u;
  }
}

}  // namespace mxkit::dns
