// Type and class mnemonics. Types with rdata take their mnemonic from the rdata table; this
// file adds the meta-types and query types (RFC 6895 §3.1) and the types we know only by name.
#include "dns/rrtype.hpp"

#include <array>

#include "dns/rdata.hpp"

namespace mxkit::dns {

namespace {

struct Mnemonic {
  std::string_view name;
  std::uint16_t code;
};
// Written only as \# here (RFC 3597 §5): no text form for their rdata.
constexpr std::array<Mnemonic, 18> kOtherTypes{{{"OPT", rrtype::OPT},
                                                {"TKEY", rrtype::TKEY},
                                                {"TSIG", rrtype::TSIG},
                                                {"IXFR", rrtype::IXFR},
                                                {"AXFR", rrtype::AXFR},
                                                {"MAILB", rrtype::MAILB},
                                                {"MAILA", rrtype::MAILA},
                                                {"ANY", rrtype::ANY},
                                                {"NULL", rrtype::NULL_},
                                                {"WKS", rrtype::WKS},
                                                {"NXT", rrtype::NXT},
                                                {"HIP", rrtype::HIP},
                                                {"ISDN", rrtype::ISDN},
                                                {"NSAP", rrtype::NSAP},
                                                {"NSAP-PTR", rrtype::NSAP_PTR},
                                                {"GPOS", rrtype::GPOS},
                                                {"A6", rrtype::A6},
                                                {"DOA", rrtype::DOA}}};

constexpr char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

constexpr std::uint64_t pack_constant(std::string_view upper_text) {
  std::uint64_t key = 0;
  for (char c : upper_text) key = key << 8 | static_cast<std::uint8_t>(c);
  return key;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

// Up to eight characters upper-cased into one integer, so a lookup is a hash and one compare;
// 0 for text too long (or empty) to pack.
std::uint64_t pack(std::string_view text) {
  if (text.empty() || text.size() > 8) return 0;
  std::uint64_t key = 0;
  for (char c : text) key = key << 8 | static_cast<std::uint8_t>(upper(c));
  return key;
}

// Mnemonic → code: an open-addressing table of packed mnemonics, since every record of a zone
// file looks its type up here. The few mnemonics longer than eight characters are scanned.
class MnemonicIndex {
 public:
  MnemonicIndex() {
    auto add = [&](std::string_view name, std::uint16_t code) {
      const std::uint64_t key = pack(name);
      if (key == 0) {
        long_names_[long_count_++] = {name, code};
        return;
      }
      std::size_t i = slot(key);
      while (slots_[i].key != 0) i = (i + 1) & (kSlots - 1);
      slots_[i] = {key, code};
    };
    for (const auto& spec : all_type_specs()) add(spec.mnemonic, spec.code);
    for (const auto& m : kOtherTypes) add(m.name, m.code);
  }
  std::optional<std::uint16_t> find(std::string_view name) const {
    if (const std::uint64_t key = pack(name)) {
      for (std::size_t i = slot(key); slots_[i].key != 0; i = (i + 1) & (kSlots - 1))
        if (slots_[i].key == key) return slots_[i].code;
      return std::nullopt;
    }
    for (std::size_t i = 0; i < long_count_; ++i)
      if (iequals(long_names_[i].name, name)) return long_names_[i].code;
    return std::nullopt;
  }

 private:
  static constexpr std::size_t kSlots = 256;  // a power of two, well above the entry count
  struct Slot {
    std::uint64_t key = 0;
    std::uint16_t code = 0;
  };
  std::array<Slot, kSlots> slots_{};
  std::array<Mnemonic, 8> long_names_{};
  std::size_t long_count_ = 0;

  static std::size_t slot(std::uint64_t key) {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 56) & (kSlots - 1);
  }
};

const MnemonicIndex& mnemonic_index() {
  static const MnemonicIndex index;
  return index;
}

// "TYPE123" / "CLASS123" (RFC 3597 §5): prefix then 1-5 decimal digits up to 65535.
std::optional<std::uint16_t> numbered(std::string_view text, std::string_view prefix) {
  if (text.size() <= prefix.size() || text.size() > prefix.size() + 5) return std::nullopt;
  if (!iequals(text.substr(0, prefix.size()), prefix)) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : text.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

}  // namespace

std::optional<std::uint16_t> type_from_text(std::string_view text) {
  if (auto code = mnemonic_index().find(text)) return code;
  return numbered(text, "TYPE");
}

std::string_view type_mnemonic(std::uint16_t type) {
  if (const auto* spec = find_type_spec(type)) return spec->mnemonic;
  for (const auto& m : kOtherTypes)
    if (m.code == type) return m.name;
  return {};
}

std::string type_to_text(std::uint16_t type) {
  auto m = type_mnemonic(type);
  if (!m.empty()) return std::string(m);
  return "TYPE" + std::to_string(type);
}

std::optional<std::uint16_t> class_from_text(std::string_view text) {
  // The parser asks for every word that might be a class, types included, so this is packed.
  switch (pack(text)) {
    case pack_constant("IN"): return rrclass::IN;
    case pack_constant("CH"):
    case pack_constant("CHAOS"): return rrclass::CH;
    case pack_constant("HS"):
    case pack_constant("HESIOD"): return rrclass::HS;
    case pack_constant("NONE"): return rrclass::NONE;
    case pack_constant("ANY"): return rrclass::ANY;
    default: break;
  }
  if (text.size() <= 5) return std::nullopt;  // too short for CLASSn
  return numbered(text, "CLASS");
}

std::string class_to_text(std::uint16_t cls) {
  switch (cls) {
    case rrclass::IN: return "IN";
    case rrclass::CH: return "CH";
    case rrclass::HS: return "HS";
    case rrclass::NONE: return "NONE";
    case rrclass::ANY: return "ANY";
    default: return "CLASS" + std::to_string(cls);
  }
}

}  // namespace mxkit::dns
