// The secondary's side of a zone transfer as pure functions: requests, the response reader,
// and building or patching the zone from what was read.
#include "auth/transfer_in.hpp"

#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "dns/message_builder.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::auth {

namespace {

std::vector<std::uint8_t> query(std::uint16_t id, dns::WireName zone, std::uint16_t qtype,
                                const dns::Record* authority) {
  std::vector<std::uint8_t> buffer(1024);
  dns::Header h;
  h.id = id;
  dns::MessageBuilder out(buffer, h);
  out.add_question(zone, qtype, dns::rrclass::IN);
  if (authority) out.add_record(dns::Section::Authority, *authority);
  auto m = out.finish();
  return {m.begin(), m.end()};
}

std::string rcode_text(std::uint16_t rcode) {
  static constexpr std::string_view names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                               "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                               "NXRRSET", "NOTAUTH"};
  return rcode < std::size(names) ? std::string(names[rcode]) : fmt::format("rcode {}", rcode);
}

// Checks the parts every response shares: our id, a response, a good rcode, the question.
core::Result<void> check_response(const dns::Message& m, std::uint16_t id, dns::WireName zone,
                                  std::uint16_t qtype) {
  if (m.header.id != id)
    return core::fail(fmt::format("reply id {} does not match the query's {}", m.header.id, id));
  if (!m.header.qr) return core::fail("the reply is not a response (QR clear)");
  if (m.header.rcode != dns::rcode::NOERROR)
    return core::fail(fmt::format("the primary answered {}", rcode_text(m.header.rcode)));
  if (m.header.tc) return core::fail("the reply is truncated (TC)");
  if (m.question.size() > 1) return core::fail("the reply has more than one question");
  if (m.question.size() == 1 &&
      (!dns::names_equal(m.question[0].name.wire(), zone) || m.question[0].type != qtype))
    return core::fail("the reply's question is not ours");
  return {};
}

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
  return query(id, zone, dns::rrtype::SOA, nullptr);
}

core::Result<std::uint32_t> read_soa_answer(std::span<const std::uint8_t> wire, std::uint16_t id,
                                            dns::WireName zone) {
  auto m = dns::parse_message(wire);
  if (!m) return core::fail(fmt::format("malformed reply: {}", m.error().message));
  if (auto ok = check_response(*m, id, zone, dns::rrtype::SOA); !ok)
    return tl::unexpected(ok.error());
  for (const auto& r : m->answer)
    if (r.type == dns::rrtype::SOA && dns::names_equal(r.owner.wire(), zone)) {
      if (auto serial = soa_rdata_serial(r.rdata)) return *serial;
      return core::fail("the SOA in the reply is malformed");
    }
  return core::fail("the reply holds no SOA for the zone (is it authoritative for it?)");
}

std::vector<std::uint8_t> transfer_query(std::uint16_t id, dns::WireName zone, std::uint16_t qtype,
                                         const dns::Record* current) {
  return query(id, zone, qtype, qtype == dns::rrtype::IXFR ? current : nullptr);
}

TransferReader::TransferReader(dns::Name origin, std::uint16_t id, std::uint16_t qtype,
                               std::optional<std::uint32_t> current_serial, TransferLimits limits)
    : origin_(std::move(origin)),
      id_(id),
      qtype_(qtype),
      current_(current_serial),
      limits_(limits) {
  if (qtype_ != dns::rrtype::IXFR) current_.reset();
}

core::Result<bool> TransferReader::feed(std::span<const std::uint8_t> wire) {
  if (done_) return core::fail("a message after the end of the transfer");
  ++messages_;
  auto m = dns::parse_message(wire);
  if (!m) return core::fail(fmt::format("message {}: {}", messages_, m.error().message));
  if (auto ok = check_response(*m, id_, origin_.wire(), qtype_); !ok)
    return core::fail(fmt::format("message {}: {}", messages_, ok.error().message));
  if (m->answer.empty()) return core::fail(fmt::format("message {} carries no records", messages_));
  for (auto& r : m->answer) {
    if (done_)
      return core::fail(fmt::format("message {}: records after the closing SOA", messages_));
    if (auto ok = take(std::move(r)); !ok)
      return core::fail(fmt::format("message {}: {}", messages_, ok.error().message));
  }
  return done_;
}

// RFC 5936 §2.2 (AXFR: SOA, the zone, SOA) and RFC 1995 §4 (IXFR: the single SOA when we are
// current, the AXFR form, or the condensed differences), told apart by their first two records.
core::Result<void> TransferReader::take(dns::Record r) {
  ++records_seen_;
  octets_ += r.owner.wire().size() + 10 + r.rdata.size();
  if (records_seen_ > limits_.max_records)
    return core::fail(fmt::format("more than {} records", limits_.max_records));
  if (octets_ > limits_.max_octets)
    return core::fail(fmt::format("more than {} octets", limits_.max_octets));
  if (r.cls != dns::rrclass::IN) return core::fail(fmt::format("a record of class {}", r.cls));
  const std::string owner = r.owner.to_text();
  if (!r.owner.is_subdomain_of(origin_))
    return core::fail(fmt::format("{} is outside the zone {}", owner, origin_.to_text()));
  std::optional<std::uint32_t> soa;
  if (r.type == dns::rrtype::SOA) {
    if (r.owner != origin_) return core::fail(fmt::format("an SOA at {}, not at the apex", owner));
    soa = soa_rdata_serial(r.rdata);
    if (!soa) return core::fail("a malformed SOA");
  }
  if (records_seen_ == 1) {
    if (!soa) return core::fail("the transfer does not begin with the zone's SOA");
    serial_ = *soa;
    first_soa_ = r;
    if (current_ && !serial_newer(serial_, *current_)) {
      form_ = Form::up_to_date;
      done_ = true;
    } else if (!current_) {
      form_ = Form::full;
      records_.push_back(std::move(r));
    }
    return {};
  }
  if (form_ == Form::pending) {  // IXFR, second record: a second SOA opens the differences
    if (soa && *soa != serial_) {
      if (*soa != *current_)
        return core::fail(
            fmt::format("the differences start at serial {}, we hold {}", *soa, *current_));
      form_ = Form::incremental;
      changes_.push_back(ZoneDiff{std::move(r), {}, {}, {}});
      in_additions_ = false;
      return {};
    }
    form_ = Form::full;
    records_.push_back(first_soa_);
  }
  if (form_ == Form::full) {
    if (!soa) {
      records_.push_back(std::move(r));
      return {};
    }
    if (*soa != serial_)
      return core::fail(fmt::format("an SOA with serial {} inside the zone", *soa));
    done_ = true;
    return {};
  }
  // Form::incremental
  ZoneDiff& change = changes_.back();
  if (!soa) {
    (in_additions_ ? change.added : change.removed).push_back(std::move(r));
    return {};
  }
  if (!in_additions_) {
    change.new_soa = std::move(r);
    in_additions_ = true;
    return {};
  }
  if (change.to() == serial_ && *soa == serial_) {
    done_ = true;
    return {};
  }
  if (*soa != change.to())
    return core::fail(
        fmt::format("a change from serial {} follows one ending at {}", *soa, change.to()));
  changes_.push_back(ZoneDiff{std::move(r), {}, {}, {}});
  in_additions_ = false;
  return {};
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
