// Zone transfer in, without sockets (RFC 5936 AXFR, RFC 1995 IXFR): the request, serial
// arithmetic (RFC 1982), and the reader that checks the stream of response messages and
// collects the zone or its differences. One reader for every client of a transfer: the
// secondary (src/auth), `mxkit dig` and `mxkit check` (zone content by AXFR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::dns::zone {

// RFC 1982 §3.2: true when serial `a` is newer than `b` (a > b in sequence space arithmetic).
// Two serials exactly 2^31 apart are not comparable: neither is newer.
constexpr bool serial_newer(std::uint32_t a, std::uint32_t b) {
  return a != b && ((a > b && a - b < 0x80000000u) || (a < b && b - a > 0x80000000u));
}

// The serial of an SOA rdata (its third field), or nothing when the rdata is malformed.
std::optional<std::uint32_t> soa_rdata_serial(std::span<const std::uint8_t> rdata);

// One change of a zone: the records taken away and put in when going from `old_soa`'s
// version to `new_soa`'s (RFC 1995 §4's "difference sequence"). The SOAs are not in the lists.
struct ZoneDiff {
  Record old_soa, new_soa;
  std::vector<Record> removed, added;

  std::uint32_t from() const;
  std::uint32_t to() const;
  std::size_t record_count() const { return removed.size() + added.size() + 2; }
  std::size_t wire_size() const;  // about the octets it takes in a transfer or the journal
  friend bool operator==(const ZoneDiff&, const ZoneDiff&) = default;
};

// An AXFR query, or an IXFR query carrying `current` (our SOA) in its authority section
// (RFC 1995 §3).
std::vector<std::uint8_t> transfer_query(std::uint16_t id, WireName zone, std::uint16_t qtype,
                                         const Record* current = nullptr);

// The parts every response to a transfer (or SOA) query shares: our id, QR, rcode NOERROR,
// no TC, the question when present.
core::Result<void> check_transfer_response(const Message& m, std::uint16_t id, WireName zone,
                                           std::uint16_t qtype);

// The name of a response code for messages: "REFUSED", "rcode 23".
std::string rcode_text(std::uint16_t rcode);

struct TransferLimits {
  std::size_t max_records = 5'000'000;
  std::size_t max_octets = std::size_t{1} << 30;
};

// Reads the response to an AXFR or IXFR query, message by message (RFC 5936 §2.2, RFC 1995 §4),
// checking each: the id, QR, rcode NOERROR, no TC, the question when present, class IN, owners
// inside the zone, SOAs owned by the apex, and the size limits. The first record must be the
// SOA; the stream ends at the SOA with that serial that closes it.
class TransferReader {
 public:
  enum class Form { pending, up_to_date, full, incremental };

  // `current_serial`: the serial we hold (IXFR), so the reader can tell the response forms apart.
  TransferReader(Name origin, std::uint16_t id, std::uint16_t qtype,
                 std::optional<std::uint32_t> current_serial, TransferLimits limits = {});

  // Takes one message; true once the transfer is complete. After an error, stop reading.
  core::Result<bool> feed(std::span<const std::uint8_t> wire);

  bool done() const { return done_; }
  Form form() const { return form_; }
  std::uint32_t serial() const { return serial_; }  // the primary's, from the first SOA
  std::size_t record_count() const { return records_seen_; }
  std::size_t message_count() const { return messages_; }
  // Form::full: the whole zone, its SOA first.
  std::vector<Record>& zone_records() { return records_; }
  // Form::incremental: the changes, oldest first.
  std::vector<ZoneDiff>& changes() { return changes_; }

 private:
  core::Result<void> take(Record record);

  Name origin_;
  std::uint16_t id_, qtype_;
  std::optional<std::uint32_t> current_;
  TransferLimits limits_;
  Form form_ = Form::pending;
  bool done_ = false;
  bool in_additions_ = false;  // incremental: after a change's second SOA
  std::uint32_t serial_ = 0;
  Record first_soa_;
  std::size_t records_seen_ = 0, octets_ = 0, messages_ = 0;
  std::vector<Record> records_;
  std::vector<ZoneDiff> changes_;
};

}  // namespace mxkit::dns::zone
