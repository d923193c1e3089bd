// The MX RRset → ordered exchangers step of routing (RFC 5321 §5.1, RFC 7505, RFC 2181 §10.3).
#include "routing/mx_set.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dns/rrtype.hpp"

namespace mxkit::routing {

namespace {

struct MxRecord {
  std::uint16_t preference = 0;
  dns::Name exchange;
};

// RFC 1035 §3.3.9: PREFERENCE (16 bits) then EXCHANGE (a name). The reader hands us
// canonical rdata, but a scripted or cached record could still be short: check.
std::optional<MxRecord> decode_mx(const dns::Record& record) {
  const auto& rdata = record.rdata;
  if (rdata.size() < 3) return std::nullopt;
  std::span<const std::uint8_t> name(rdata.data() + 2, rdata.size() - 2);
  if (dns::wire_name_length(name) != name.size()) return std::nullopt;
  MxRecord mx;
  mx.preference = static_cast<std::uint16_t>((rdata[0] << 8) | rdata[1]);
  mx.exchange = dns::Name::from_wire(name);
  return mx;
}

// An exchange such as "192.0.2.1." is a name of four labels to the DNS, but its author meant
// an address. The text without its final dot must be exactly an address: "1.2.3.4.example."
// is a host name like any other.
std::optional<Address> literal_address(const dns::Name& name) {
  std::string text = name.to_text();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return parse_address(text);
}

}  // namespace

// RFC 5321 §5.1: "If there are multiple destinations with the same preference and there is no
// clear reason to favor one ... the sender-SMTP MUST randomize them." Fisher–Yates over each
// run of equal preference, with the caller's generator so tests can seed it.
void order_by_preference(std::vector<Exchanger>& exchangers, std::mt19937_64& rng) {
  std::stable_sort(
      exchangers.begin(), exchangers.end(),
      [](const Exchanger& a, const Exchanger& b) { return a.preference < b.preference; });
  for (std::size_t begin = 0, end = 0; begin < exchangers.size(); begin = end) {
    end = begin + 1;
    while (end < exchangers.size() && exchangers[end].preference == exchangers[begin].preference)
      ++end;
    for (std::size_t i = end - begin - 1; i > 0; --i) {
      std::uniform_int_distribution<std::size_t> pick(0, i);
      std::swap(exchangers[begin + i], exchangers[begin + pick(rng)]);
    }
  }
}

// RFC 7505 §3 defines a null MX as a *single* MX record whose exchange is the root, and says a
// domain that has one "MUST NOT advertise any other MX RR". When it does anyway, the RFC gives
// no rule for senders. Postfix refuses the whole domain as null MX (dns_lookup returns
// DNS_NULLMX as soon as any MX record has an empty exchange). We read the RFC's definition
// literally instead: with other MX records present the RRset is not a null MX, "." names no
// host and is dropped, and the other exchangers are used, with a warning in the plan. Mail
// the domain's operator evidently still wants (they kept real MX records) is not bounced.
MxSet read_mx_set(const dns::Name& owner, const std::vector<dns::Record>& records,
                  std::size_t max_targets, std::mt19937_64& rng) {
  MxSet set;
  std::vector<MxRecord> null_records;
  std::vector<Exchanger> list;
  for (const auto& record : records) {
    if (record.type != dns::rrtype::MX) continue;
    auto mx = decode_mx(record);
    if (!mx) {
      set.warnings.push_back(Remark{
          "malformed-mx",
          fmt::format("malformed MX record for {} ignored (RFC 1035 §3.3.9)", owner.to_text())});
      continue;
    }
    if (mx->exchange.is_root()) {
      null_records.push_back(*mx);
      continue;
    }
    // An RRset holds no exact duplicates, but the same exchange may appear at two preferences;
    // it is one host, tried once, at the better preference.
    auto same = std::find_if(list.begin(), list.end(),
                             [&](const Exchanger& e) { return e.name == mx->exchange; });
    if (same != list.end()) {
      set.warnings.push_back(
          Remark{"duplicate-exchange",
                 fmt::format("MX target {} is listed at preferences {} and {}; tried once, at {}",
                             mx->exchange.to_text(), std::min(same->preference, mx->preference),
                             std::max(same->preference, mx->preference),
                             std::min(same->preference, mx->preference))});
      same->preference = std::min(same->preference, mx->preference);
      continue;
    }
    Exchanger e;
    e.name = mx->exchange;
    e.preference = mx->preference;
    e.literal = literal_address(mx->exchange);
    list.push_back(std::move(e));
  }

  if (!null_records.empty() && list.empty()) {
    set.null_mx = true;
    const auto& first = null_records.front();
    if (null_records.size() > 1 || first.preference != 0)
      set.warnings.push_back(Remark{
          "null-mx-not-single",
          fmt::format(
              "null MX for {} should be a single record \"0 .\" (RFC 7505 §3); taken as null MX",
              owner.to_text())});
    return set;
  }
  if (!null_records.empty())
    set.warnings.push_back(Remark{
        "null-mx-beside-mx",
        fmt::format(
            "null MX beside other MX records for {} (RFC 7505 §3 forbids it); the \".\" record is "
            "ignored and the other MX records are used",
            owner.to_text())});

  order_by_preference(list, rng);
  if (list.size() > max_targets) {
    set.capped = list.size() - max_targets;
    set.warnings.push_back(
        Remark{"too-many-mx",
               fmt::format("{} has {} MX targets; only the first {} in preference order are used",
                           owner.to_text(), list.size(), max_targets)});
    list.resize(max_targets);
  }
  set.exchangers = std::move(list);
  return set;
}

}  // namespace mxkit::routing
