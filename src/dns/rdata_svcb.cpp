// SvcParams (RFC 9460 §2) and DELEG's DelegInfos (draft-ietf-deleg-07 §4), which share the
// wire shape — key (u16), value length (u16), value, in ascending key order — and the
// presentation shape — whitespace-separated key=value words, values per Appendix A.
#include <algorithm>
#include <array>
#include <optional>

#include "core/encoding.hpp"
#include "dns/rdata_fields.hpp"
#include "dns/rdata_inet.hpp"

namespace mxkit::dns::fields {

namespace {

// How a key's value is written; keys written as keyNNNNN always take the Opaque form.
enum class Value : std::uint8_t {
  Opaque,     // any octets, one <character-string> (RFC 9460 §2.1 keyNNNNN)
  Empty,      // no value at all (no-default-alpn, ohttp)
  Mandatory,  // comma-separated key names (RFC 9460 §8)
  Alpn,       // comma-separated ALPN ids, "\," and "\\" escaped (RFC 9460 §7.1, App. A.1)
  Port,       // u16 (RFC 9460 §7.2)
  IPv4List,   // comma-separated addresses (RFC 9460 §7.3; server-ipv4)
  IPv6List,
  Base64,     // ECHConfigList (RFC 9460 §9)
  Text,       // non-empty text (dohpath, RFC 9461 §5)
  NameList,   // comma-separated domain names (server-name, include-delegparam)
};

struct Key {
  std::uint16_t number;
  std::string_view name;
  Value value;
};

constexpr std::array<Key, 9> kSvcbKeys{{{0, "mandatory", Value::Mandatory},
                                        {1, "alpn", Value::Alpn},
                                        {2, "no-default-alpn", Value::Empty},
                                        {3, "port", Value::Port},
                                        {4, "ipv4hint", Value::IPv4List},
                                        {5, "ech", Value::Base64},
                                        {6, "ipv6hint", Value::IPv6List},
                                        {7, "dohpath", Value::Text},
                                        {8, "ohttp", Value::Empty}}};

// draft-ietf-deleg-07 §4.1: the DelegInfo keys (numbered as Knot DNS numbers them).
constexpr std::array<Key, 5> kDelegKeys{{{0, "mandatory", Value::Mandatory},
                                         {1, "server-ipv4", Value::IPv4List},
                                         {2, "server-ipv6", Value::IPv6List},
                                         {3, "server-name", Value::NameList},
                                         {4, "include-delegparam", Value::NameList}}};

std::span<const Key> keys_of(ParamRegistry registry) {
  if (registry == ParamRegistry::Svcb) return kSvcbKeys;
  return kDelegKeys;
}

const Key* find_key(ParamRegistry registry, std::uint16_t number) {
  for (const auto& k : keys_of(registry))
    if (k.number == number) return &k;
  return nullptr;
}

// A key as written: a registered name, or keyNNNNN with no leading zeros (RFC 9460 §2.1).
// `named` tells which, since keyNNNNN values are always opaque.
std::optional<std::uint16_t> key_from_text(ParamRegistry registry, std::string_view text,
                                           bool& named) {
  for (const auto& k : keys_of(registry))
    if (k.name == text) {
      named = true;
      return k.number;
    }
  named = false;
  if (text.size() < 4 || text.size() > 8 || !text.starts_with("key")) return std::nullopt;
  auto digits = text.substr(3);
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  std::uint64_t v = 0;
  if (!parse_number(digits, 65535, v).empty()) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

void append_key(ParamRegistry registry, std::uint16_t number, std::string& out) {
  if (const Key* k = find_key(registry, number)) {
    out += k->name;
    return;
  }
  out += "key";
  append_number(number, out);
}

// Splits decoded octets on unescaped commas; "\," and "\\" stand for themselves (RFC 9460
// App. A.1). Each item goes to `item`; an empty item or a stray backslash is an error.
template <class F>
std::string split_value_list(std::span<const std::uint8_t> text, F&& item) {
  Bytes current;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      if (current.empty()) return "empty item in a comma-separated list";
      if (auto err = item(std::span<const std::uint8_t>(current)); !err.empty()) return err;
      current.clear();
      continue;
    }
    if (text[i] == '\\') {
      if (i + 1 == text.size() || (text[i + 1] != ',' && text[i + 1] != '\\'))
        return "in a list item, '\\' may only escape ',' or '\\'";
      ++i;
    }
    current.push_back(text[i]);
  }
  return {};
}

std::string_view as_text(std::span<const std::uint8_t> octets) {
  return {reinterpret_cast<const char*>(octets.data()), octets.size()};
}

// The value of one parameter, already split from its key, to wire octets.
std::string parse_value(Value kind, std::string_view raw, bool has_value, WireName origin,
                        Bytes& out) {
  if (kind == Value::NameList) {
    // Names keep their own escapes, so the split is on the raw text: "\," is part of a label.
    if (!has_value || raw.empty()) return "needs a value";
    std::size_t start = 0;
    for (std::size_t i = 0; i <= raw.size(); ++i) {
      if (i < raw.size() && raw[i] == '\\') {
        ++i;
        continue;
      }
      if (i < raw.size() && raw[i] != ',') continue;
      if (i == start) return "empty item in a comma-separated list";
      std::uint8_t buf[kMaxNameLength];
      auto len = parse_name(raw.substr(start, i - start), origin, buf);
      if (!len) return len.error().message + " \"" + std::string(raw.substr(start, i - start)) + "\"";
      out.insert(out.end(), buf, buf + *len);
      start = i + 1;
    }
    return {};
  }
  Bytes value;
  if (auto err = decode_text(raw, false, value); !err.empty()) return err;
  switch (kind) {
    case Value::Opaque:
      out.insert(out.end(), value.begin(), value.end());
      return {};
    case Value::Empty:
      if (!value.empty()) return "takes no value";
      return {};
    case Value::Text:
      if (value.empty()) return "needs a value";
      out.insert(out.end(), value.begin(), value.end());
      return {};
    case Value::Port: {
      std::uint64_t port = 0;
      if (auto err = parse_number(as_text(value), 65535, port); !err.empty()) return err;
      put16(out, static_cast<std::uint32_t>(port));
      return {};
    }
    case Value::Base64: {
      if (value.empty()) return "needs a value";
      core::Base64Decoder b64(out);
      if (auto err = b64.feed(as_text(value)); !err.empty()) return std::string(err);
      if (auto err = b64.finish(); !err.empty()) return std::string(err);
      return {};
    }
    case Value::Alpn:
      return split_value_list(value, [&](std::span<const std::uint8_t> id) -> std::string {
        if (id.size() > 255) return "ALPN id longer than 255 octets";
        out.push_back(static_cast<std::uint8_t>(id.size()));
        out.insert(out.end(), id.begin(), id.end());
        return {};
      });
    case Value::IPv4List:
    case Value::IPv6List:
      return split_value_list(value, [&](std::span<const std::uint8_t> item) -> std::string {
        std::uint8_t addr[16];
        const bool v4 = kind == Value::IPv4List;
        if (!(v4 ? parse_ipv4(as_text(item), addr) : parse_ipv6(as_text(item), addr)))
          return std::string("bad ") + (v4 ? "IPv4" : "IPv6") + " address \"" +
                 std::string(as_text(item)) + "\"";
        out.insert(out.end(), addr, addr + (v4 ? 4 : 16));
        return {};
      });
    case Value::Mandatory:
    case Value::NameList:
      break;  // Mandatory needs the registry: see parse_params
  }
  return "unsupported value";
}

// Writes a value as one word: octets that would end or split a zone-file word (space, ';',
// parentheses, quotes) or are not printable are escaped, so the word survives any lexer.
void append_word(std::span<const std::uint8_t> octets, std::string& out, bool quote) {
  if (quote) out.push_back('"');
  for (auto c : octets) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c <= ' ' || c >= 0x7f || c == ';' || c == '(' || c == ')') {
      const char buf[4] = {'\\', static_cast<char>('0' + c / 100),
                           static_cast<char>('0' + c / 10 % 10), static_cast<char>('0' + c % 10)};
      out.append(buf, 4);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (quote) out.push_back('"');
}

struct Param {
  std::uint16_t key;
  std::span<const std::uint8_t> value;
};

// True when `value` is one `kind` accepts, so the named form reads back as the same octets.
// `params` is every parameter of the record (mandatory names keys that must be present).
bool value_fits(Value kind, std::span<const std::uint8_t> value, std::span<const Param> params) {
  switch (kind) {
    case Value::Opaque:
      return true;
    case Value::Empty:
      return value.empty();
    case Value::Text:
    case Value::Base64:
      return !value.empty();
    case Value::Port:
      return value.size() == 2;
    case Value::IPv4List:
      return !value.empty() && value.size() % 4 == 0;
    case Value::IPv6List:
      return !value.empty() && value.size() % 16 == 0;
    case Value::Alpn: {
      if (value.empty()) return false;
      for (std::size_t i = 0; i < value.size(); i += 1u + value[i])
        if (value[i] == 0 || i + 1u + value[i] > value.size()) return false;
      return true;
    }
    case Value::Mandatory: {
      // RFC 9460 §8: non-empty, strictly ascending, never itself, each key present.
      if (value.empty() || value.size() % 2 != 0) return false;
      std::uint32_t previous = 0;
      for (std::size_t i = 0; i < value.size(); i += 2) {
        const std::uint32_t k = get16(&value[i]);
        if (k <= previous) return false;
        previous = k;
        if (std::none_of(params.begin(), params.end(), [&](const Param& p) { return p.key == k; }))
          return false;
      }
      return true;
    }
    case Value::NameList: {
      if (value.empty()) return false;
      for (std::size_t i = 0; i < value.size();) {
        const std::size_t len = wire_name_length(value.subspan(i));
        if (len == 0) return false;
        i += len;
      }
      return true;
    }
  }
  return false;
}

void append_value(ParamRegistry registry, Value kind, std::span<const std::uint8_t> value,
                  std::string& out) {
  switch (kind) {
    case Value::Opaque:
    case Value::Text:
      append_word(value, out, true);
      return;
    case Value::Empty:
      return;
    case Value::Port:
      append_number(get16(value.data()), out);
      return;
    case Value::Base64:
      core::append_base64(value, out);
      return;
    case Value::IPv4List:
    case Value::IPv6List: {
      const std::size_t size = kind == Value::IPv4List ? 4 : 16;
      for (std::size_t i = 0; i < value.size(); i += size) {
        if (i > 0) out.push_back(',');
        if (size == 4) append_ipv4(&value[i], out);
        else append_ipv6(&value[i], out);
      }
      return;
    }
    case Value::Alpn: {
      // Two layers (RFC 9460 App. A.1): "\," and "\\" inside an id, then the word escapes.
      Bytes list;
      for (std::size_t i = 0; i < value.size(); i += 1u + value[i]) {
        if (i > 0) list.push_back(',');
        for (std::size_t j = 1; j <= value[i]; ++j) {
          if (value[i + j] == ',' || value[i + j] == '\\') list.push_back('\\');
          list.push_back(value[i + j]);
        }
      }
      append_word(list, out, true);
      return;
    }
    case Value::Mandatory:
      for (std::size_t i = 0; i < value.size(); i += 2) {
        if (i > 0) out.push_back(',');
        append_key(registry, static_cast<std::uint16_t>(get16(&value[i])), out);
      }
      return;
    case Value::NameList: {
      std::string name;
      for (std::size_t i = 0; i < value.size();) {
        const std::size_t len = wire_name_length(value.subspan(i));
        if (i > 0) out.push_back(',');
        name.clear();
        append_name_text(value.subspan(i, len), name);
        // A comma inside a label is escaped, or it would split the list when read back.
        for (char c : name) {
          if (c == ',') out.push_back('\\');
          out.push_back(c);
        }
        i += len;
      }
      return;
    }
  }
}

struct Parsed {
  std::uint16_t key;
  std::size_t offset;  // of the value in the scratch buffer
  std::size_t size;
  const Token* token;
};

}  // namespace

std::string parse_params(ParamRegistry registry, TextCursor& in, Bytes& out) {
  Bytes values;  // every value, in the order written
  std::vector<Parsed> params;
  std::vector<std::uint16_t> mandatory;
  const Token* mandatory_token = nullptr;
  while (!in.done()) {
    const Token& tok = in.next();
    if (tok.quoted) return "a parameter cannot be quoted as a whole: \"" + std::string(tok.text) + "\"";
    const std::size_t eq = tok.text.find('=');
    const std::string_view key_text = tok.text.substr(0, eq);
    bool named = false;
    auto key = key_from_text(registry, key_text, named);
    if (!key) return "unknown parameter key \"" + std::string(key_text) + "\"";
    const bool has_value = eq != std::string_view::npos;
    std::string_view raw = has_value ? tok.text.substr(eq + 1) : std::string_view{};
    if (has_value && raw.empty() && !in.done() && in.peek().quoted &&
        in.peek().line == tok.line && in.peek().column == tok.column + tok.text.size()) {
      raw = in.next().text;  // key="value" that the lexer split after the '='
    } else if (has_value && raw.starts_with('"')) {
      if (raw.size() < 2 || !raw.ends_with('"'))
        return "unterminated quoted value in \"" + std::string(tok.text) + "\"";
      raw = raw.substr(1, raw.size() - 2);
    } else if (has_value && raw.empty()) {
      // RFC 9460 §2.1: after '=' comes a <character-string>; an empty one must be quoted.
      return "'=' without a value in \"" + std::string(tok.text) + "\"";
    }
    const Key* known = named ? find_key(registry, *key) : nullptr;
    const Value kind = known ? known->value : Value::Opaque;
    const std::size_t offset = values.size();
    std::string err;
    if (kind == Value::Mandatory) {
      Bytes decoded;
      err = decode_text(raw, false, decoded);
      if (err.empty() && decoded.empty()) err = "needs a value";
      if (err.empty())
        err = split_value_list(decoded, [&](std::span<const std::uint8_t> item) -> std::string {
          bool item_named = false;
          auto k = key_from_text(registry, as_text(item), item_named);
          if (!k) return "unknown key \"" + std::string(as_text(item)) + "\" in mandatory";
          if (*k == 0) return "mandatory may not list itself (RFC 9460 §8)";
          mandatory.push_back(*k);
          return {};
        });
      mandatory_token = &tok;
    } else if (!has_value && kind != Value::Empty && kind != Value::Opaque) {
      err = "needs a value";
    } else {
      err = parse_value(kind, raw, has_value, in.origin, values);
    }
    if (!err.empty()) return std::string(key_text) + ": " + err;
    if (values.size() - offset > 65535) return std::string(key_text) + ": value too long";
    params.push_back({*key, offset, values.size() - offset, &tok});
  }
  // RFC 9460 §2.2: keys in ascending order, each at most once.
  std::stable_sort(params.begin(), params.end(),
                   [](const Parsed& a, const Parsed& b) { return a.key < b.key; });
  for (std::size_t i = 1; i < params.size(); ++i)
    if (params[i].key == params[i - 1].key) {
      in.index = static_cast<std::size_t>(params[i].token - in.tokens.data()) + 1;
      std::string name;
      append_key(registry, params[i].key, name);
      return "key " + name + " appears twice";
    }
  if (mandatory_token) {
    // RFC 9460 §8: the list is sorted, without repeats, and names only keys present.
    in.index = static_cast<std::size_t>(mandatory_token - in.tokens.data()) + 1;
    std::sort(mandatory.begin(), mandatory.end());
    for (std::size_t i = 0; i < mandatory.size(); ++i) {
      std::string name;
      append_key(registry, mandatory[i], name);
      if (i > 0 && mandatory[i] == mandatory[i - 1]) return "mandatory lists " + name + " twice";
      if (std::none_of(params.begin(), params.end(),
                       [&](const Parsed& p) { return p.key == mandatory[i]; }))
        return "mandatory lists " + name + ", which is not present";
    }
    in.index = in.tokens.size();
    auto it = std::find_if(params.begin(), params.end(), [](const Parsed& p) { return p.key == 0; });
    it->offset = values.size();
    it->size = mandatory.size() * 2;
    for (auto k : mandatory) put16(values, k);
  }
  for (const auto& p : params) {
    put16(out, p.key);
    put16(out, static_cast<std::uint32_t>(p.size));
    out.insert(out.end(), values.begin() + static_cast<std::ptrdiff_t>(p.offset),
               values.begin() + static_cast<std::ptrdiff_t>(p.offset + p.size));
  }
  return {};
}

bool print_params(ParamRegistry registry, WireCursor& in, std::string* out) {
  // The framing must hold in any case; with text wanted, the keys must also ascend, or the
  // text would read back in another order.
  std::array<Param, 64> small;
  std::vector<Param> large;
  std::size_t count = 0;
  int previous = -1;
  for (std::size_t pos = in.pos; pos < in.data.size();) {
    if (in.data.size() - pos < 4) return false;
    const auto key = static_cast<std::uint16_t>(get16(&in.data[pos]));
    const std::size_t size = get16(&in.data[pos + 2]);
    if (in.data.size() - pos - 4 < size) return false;
    if (out && static_cast<int>(key) <= previous) return false;
    previous = key;
    const Param p{key, in.data.subspan(pos + 4, size)};
    if (count < small.size()) small[count] = p;
    else {
      if (large.empty()) large.assign(small.begin(), small.end());
      large.push_back(p);
    }
    ++count;
    pos += 4 + size;
  }
  in.pos = in.data.size();
  if (!out) return true;
  std::span<const Param> params = large.empty() ? std::span<const Param>(small.data(), count)
                                                : std::span<const Param>(large);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out->push_back(' ');
    const Param& p = params[i];
    const Key* known = find_key(registry, p.key);
    if (known && value_fits(known->value, p.value, params)) {
      *out += known->name;
      if (known->value != Value::Empty) {
        out->push_back('=');
        append_value(registry, known->value, p.value, *out);
      }
    } else {
      // Unknown key, or a value its named form could not carry: the generic keyNNNNN form.
      *out += "key";
      append_number(p.key, *out);
      if (!p.value.empty()) {
        out->push_back('=');
        append_word(p.value, *out, true);
      }
    }
  }
  return true;
}

}  // namespace mxkit::dns::fields
