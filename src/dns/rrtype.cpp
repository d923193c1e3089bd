// Type and class mnemonics. Types with rdata take their mnemonic from the rdata table; this
// file adds only the meta-types and query types (RFC 6895 §3.1) that have no text rdata.
#include "dns/rrtype.hpp"

#include <array>

#include "dns/rdata.hpp"

namespace mxkit::dns {

namespace {

struct Meta {
  std::uint16_t code;
  std::string_view mnemonic;
};
constexpr std::array<Meta, 13> kMetaTypes{{{rrtype::OPT, "OPT"},
                                           {rrtype::TKEY, "TKEY"},
                                           {rrtype::TSIG, "TSIG"},
                                           {rrtype::IXFR, "IXFR"},
                                           {rrtype::AXFR, "AXFR"},
                                           {rrtype::MAILB, "MAILB"},
                                           {rrtype::MAILA, "MAILA"},
                                           {rrtype::ANY, "ANY"},
                                           {rrtype::NULL_, "NULL"},
                                           {rrtype::WKS, "WKS"},
                                           {rrtype::SIG, "SIG"},
                                           {rrtype::NXT, "NXT"},
                                           {rrtype::HIP, "HIP"}}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
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
  // The common types first: this runs once per record when loading a zone.
  if (text.size() <= 2) {
    if (iequals(text, "A")) return rrtype::A;
    if (iequals(text, "MX")) return rrtype::MX;
    if (iequals(text, "NS")) return rrtype::NS;
  }
  for (const auto& spec : all_type_specs())
    if (iequals(spec.mnemonic, text)) return spec.code;
  for (const auto& meta : kMetaTypes)
    if (iequals(meta.mnemonic, text)) return meta.code;
  return numbered(text, "TYPE");
}

std::string_view type_mnemonic(std::uint16_t type) {
  if (const auto* spec = find_type_spec(type)) return spec->mnemonic;
  for (const auto& meta : kMetaTypes)
    if (meta.code == type) return meta.mnemonic;
  return {};
}

std::string type_to_text(std::uint16_t type) {
  auto m = type_mnemonic(type);
  if (!m.empty()) return std::string(m);
  return "TYPE" + std::to_string(type);
}

std::optional<std::uint16_t> class_from_text(std::string_view text) {
  if (iequals(text, "IN")) return rrclass::IN;
  if (iequals(text, "CH") || iequals(text, "CHAOS")) return rrclass::CH;
  if (iequals(text, "HS") || iequals(text, "HESIOD")) return rrclass::HS;
  if (iequals(text, "NONE")) return rrclass::NONE;
  if (iequals(text, "ANY")) return rrclass::ANY;
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
