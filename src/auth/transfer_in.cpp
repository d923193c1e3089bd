// The secondary's side of a zone transfer as pure functions: requests, the response reader,
// and building or patching the zone from what was read.
#include "auth/transfer_in.hpp"

#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::auth {

namespace {

std::string lowered_key(dns::WireName owner, std::uint16_t type,
                        std::span<const std::uint8_t> rdata) {
  std::string key;
  key.reserve(owner.size() + 2 + rdata.size());
  for (auto c : owner) key.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  key.push_back(static_cast<char>(type >> 8));
  key.push_back(static_cast<char>(type & 0xFF));
  key.append(reinterpret_cast<const char*>(rdata.data()), rdata.size());
  return key;
}

std::string lowered_owner(dns::WireName owner) {
  std::string key;
  for (auto c : owner) key.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  return key;
}

bool zone_holds(const Zone& zone, const dns::Record& r) {
  std::uint32_t n = zone.find(r.owner.wire());
  if (n == Zone::kNone) return false;
  const Zone::RRset* set = zone.find_rrset(zone.node(n), r.type);
  if (!set) return false;
  for (std::size_t i = 0; i < set->count; ++i) {
    auto rdata = zone.rdata(*set, i);
    if (rdata.size() == r.rdata.size() &&
        std::memcmp(rdata.data(), r.rdata.data(), rdata.size()) == 0)
      return true;
  }
  return false;
}

}  // namespace

std::vector<std::uint8_t> soa_query(std::uint16_t id, dns::WireName zone) {
  return dns::zone::transfer_query(id, zone, dns::rrtype::SOA);
}

core::Result<std::uint32_t> read_soa_answer(std::span<const std::uint8_t> wire, std::uint16_t id,
                                            dns::WireName zone) {
  auto m = dns::parse_message(wire);
  if (!m) return core::fail(fmt::format("malformed reply: {}", m.error().message));
  if (auto ok = dns::zone::check_transfer_response(*m, id, zone, dns::rrtype::SOA); !ok)
    return tl::unexpected(ok.error());
  for (const auto& r : m->answer)
    if (r.type == dns::rrtype::SOA && dns::names_equal(r.owner.wire(), zone)) {
      if (auto serial = soa_rdata_serial(r.rdata)) return *serial;
      return core::fail("the SOA in the reply is malformed");
    }
  return core::fail("the reply holds no SOA for the zone (is it authoritative for it?)");
}

core::Result<std::shared_ptr<const Zone>> zone_from_records(
    const dns::Name& origin, const std::vector<dns::Record>& records) {
  dns::zone::RecordTable table;
  std::uint32_t line = 0;
  for (const auto& r : records) {
    if (!r.owner.is_subdomain_of(origin)) continue;
    table.add(
        dns::zone::RecordView{r.owner.wire(), r.type, r.cls, r.ttl, r.rdata, "transfer", ++line});
  }
  return Zone::build(origin, std::move(table));
}

// RFC 1995 §4: each change removes its old records and adds its new ones, in order; changes
// are folded first (a record added by one and removed by a later one never reaches the zone),
// then the zone is rebuilt once.
core::Result<std::shared_ptr<const Zone>> apply_changes(const Zone& zone,
                                                        std::span<const ZoneDiff> changes) {
  if (changes.empty()) return core::fail("no changes to apply");
  if (changes.front().from() != zone_serial(zone))
    return core::fail(fmt::format("the changes start at serial {}, the zone is at {}",
                                  changes.front().from(), zone_serial(zone)));
  std::unordered_set<std::string> removed;         // keys of the zone's records taken away
  std::unordered_set<std::string> removed_owners;  // their owners, to skip most key building
  std::unordered_map<std::string, const dns::Record*> added;
  std::vector<std::string> added_order;
  std::uint32_t at = zone_serial(zone);
  for (const auto& change : changes) {
    if (change.from() != at)
      return core::fail(
          fmt::format("a change from serial {} follows serial {}", change.from(), at));
    for (const auto& r : change.removed) {
      auto key = lowered_key(r.owner.wire(), r.type, r.rdata);
      if (added.erase(key)) continue;
      if (removed.contains(key) || !zone_holds(zone, r))
        return core::fail(fmt::format("serial {}: removes {} {} which the zone does not hold",
                                      change.to(), r.owner.to_text(), dns::type_to_text(r.type)));
      removed.insert(std::move(key));
      removed_owners.insert(lowered_owner(r.owner.wire()));
    }
    for (const auto& r : change.added) {
      auto key = lowered_key(r.owner.wire(), r.type, r.rdata);
      if (zone_holds(zone, r) && !removed.contains(key)) {  // re-added with a new TTL, say
        removed.insert(key);
        removed_owners.insert(lowered_owner(r.owner.wire()));
      }
      if (added.insert_or_assign(key, &r).second) added_order.push_back(std::move(key));
    }
    at = change.to();
  }
  dns::zone::RecordTable table;
  const dns::Record& soa = changes.back().new_soa;
  table.add(dns::zone::RecordView{soa.owner.wire(), soa.type, soa.cls, soa.ttl, soa.rdata,
                                  "transfer", 0});
  for (std::uint32_t n = 0; n < zone.node_count(); ++n) {
    const Zone::Node& node = zone.node(n);
    if (node.rrset_count == 0) continue;
    const dns::WireName name = zone.node_name(node);
    const bool touched = !removed_owners.empty() && removed_owners.contains(lowered_owner(name));
    for (const auto& set : zone.rrsets(node)) {
      if (n == zone.apex() && set.type == dns::rrtype::SOA) continue;
      for (std::size_t i = 0; i < set.count; ++i) {
        auto rdata = zone.rdata(set, i);
        if (touched && removed.contains(lowered_key(name, set.type, rdata))) continue;
        table.add(
            dns::zone::RecordView{name, set.type, dns::rrclass::IN, set.ttl, rdata, "zone", n});
      }
    }
  }
  for (const auto& key : added_order) {
    auto it = added.find(key);
    if (it == added.end()) continue;  // removed again by a later change
    const dns::Record& r = *it->second;
    if (!r.owner.is_subdomain_of(zone.origin())) continue;
    table.add(dns::zone::RecordView{r.owner.wire(), r.type, r.cls, r.ttl, r.rdata, "transfer", 0});
  }
  return Zone::build(zone.origin(), std::move(table));
}

std::string zone_text(const Zone& zone) {
  std::string out;
  for (std::uint32_t n = 0; n < zone.node_count(); ++n) {
    const Zone::Node& node = zone.node(n);
    const dns::WireName name = zone.node_name(node);
    for (const auto& set : zone.rrsets(node))
      for (std::size_t i = 0; i < set.count; ++i) {
        dns::append_name_text(name, out);
        out += fmt::format("\t{}\tIN\t{}\t", set.ttl, dns::type_to_text(set.type));
        dns::append_rdata_text(set.type, zone.rdata(set, i), out);
        out += '\n';
      }
  }
  return out;
}

}  // namespace mxkit::auth
