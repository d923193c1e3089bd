// The transfer reader and its helpers (see transfer.hpp).
#include "dns/zone/transfer.hpp"

#include <string_view>

#include <fmt/format.h>

#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::dns::zone {

namespace {

std::vector<std::uint8_t> query(std::uint16_t id, WireName zone, std::uint16_t qtype,
                                const Record* authority) {
  std::vector<std::uint8_t> buffer(1024);
  Header h;
  h.id = id;
  MessageBuilder out(buffer, h);
  out.add_question(zone, qtype, rrclass::IN);
  if (authority) out.add_record(Section::Authority, *authority);
  auto m = out.finish();
  return {m.begin(), m.end()};
}

}  // namespace

std::string rcode_text(std::uint16_t rcode) {
  static constexpr std::string_view names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                               "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                               "NXRRSET", "NOTAUTH"};
  return rcode < std::size(names) ? std::string(names[rcode]) : fmt::format("rcode {}", rcode);
}

// Checks the parts every response shares: our id, a response, a good rcode, the question.
core::Result<void> check_transfer_response(const Message& m, std::uint16_t id, WireName zone,
                                           std::uint16_t qtype) {
  if (m.header.id != id)
    return core::fail(fmt::format("reply id {} does not match the query's {}", m.header.id, id));
  if (!m.header.qr) return core::fail("the reply is not a response (QR clear)");
  if (m.header.rcode != rcode::NOERROR)
    return core::fail(fmt::format("the primary answered {}", rcode_text(m.header.rcode)));
  if (m.header.tc) return core::fail("the reply is truncated (TC)");
  if (m.question.size() > 1) return core::fail("the reply has more than one question");
  if (m.question.size() == 1 &&
      (!names_equal(m.question[0].name.wire(), zone) || m.question[0].type != qtype))
    return core::fail("the reply's question is not ours");
  return {};
}

std::optional<std::uint32_t> soa_rdata_serial(std::span<const std::uint8_t> rdata) {
  std::size_t at = wire_name_length(rdata);
  if (at == 0) return std::nullopt;
  std::size_t rname = wire_name_length(rdata.subspan(at));
  if (rname == 0) return std::nullopt;
  at += rname;
  if (rdata.size() != at + 20) return std::nullopt;
  return static_cast<std::uint32_t>(rdata[at]) << 24 |
         static_cast<std::uint32_t>(rdata[at + 1]) << 16 |
         static_cast<std::uint32_t>(rdata[at + 2]) << 8 | rdata[at + 3];
}

std::uint32_t ZoneDiff::from() const { return soa_rdata_serial(old_soa.rdata).value_or(0); }
std::uint32_t ZoneDiff::to() const { return soa_rdata_serial(new_soa.rdata).value_or(0); }

std::size_t ZoneDiff::wire_size() const {
  std::size_t size = 0;
  auto add = [&](const Record& r) { size += r.owner.wire().size() + 10 + r.rdata.size(); };
  add(old_soa);
  add(new_soa);
  for (const auto& r : removed) add(r);
  for (const auto& r : added) add(r);
  return size;
}

std::vector<std::uint8_t> transfer_query(std::uint16_t id, WireName zone, std::uint16_t qtype,
                                         const Record* current) {
  return query(id, zone, qtype, qtype == rrtype::IXFR ? current : nullptr);
}

TransferReader::TransferReader(Name origin, std::uint16_t id, std::uint16_t qtype,
                               std::optional<std::uint32_t> current_serial, TransferLimits limits)
    : origin_(std::move(origin)),
      id_(id),
      qtype_(qtype),
      current_(current_serial),
      limits_(limits) {
  if (qtype_ != rrtype::IXFR) current_.reset();
}

core::Result<bool> TransferReader::feed(std::span<const std::uint8_t> wire) {
  if (done_) return core::fail("a message after the end of the transfer");
  ++messages_;
  auto m = parse_message(wire);
  if (!m) return core::fail(fmt::format("message {}: {}", messages_, m.error().message));
  if (auto ok = check_transfer_response(*m, id_, origin_.wire(), qtype_); !ok)
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
core::Result<void> TransferReader::take(Record r) {
  ++records_seen_;
  octets_ += r.owner.wire().size() + 10 + r.rdata.size();
  if (records_seen_ > limits_.max_records)
    return core::fail(fmt::format("more than {} records", limits_.max_records));
  if (octets_ > limits_.max_octets)
    return core::fail(fmt::format("more than {} octets", limits_.max_octets));
  if (r.cls != rrclass::IN) return core::fail(fmt::format("a record of class {}", r.cls));
  const std::string owner = r.owner.to_text();
  if (!r.owner.is_subdomain_of(origin_))
    return core::fail(fmt::format("{} is outside the zone {}", owner, origin_.to_text()));
  std::optional<std::uint32_t> soa;
  if (r.type == rrtype::SOA) {
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

}  // namespace mxkit::dns::zone
