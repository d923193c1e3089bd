// Zone transfer in, without sockets: the SOA, AXFR and IXFR requests a secondary sends, the
// reader that checks the stream of response messages, and applying what it read to a zone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "auth/ixfr.hpp"
#include "auth/zone.hpp"
#include "core/result.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"

namespace mxkit::auth {

// An SOA query for `zone` (to learn the primary's serial, RFC 1034 §4.3.5).
std::vector<std::uint8_t> soa_query(std::uint16_t id, dns::WireName zone);
// The serial in the answer to soa_query, or why there is none (wrong id, an error rcode...).
core::Result<std::uint32_t> read_soa_answer(std::span<const std::uint8_t> wire, std::uint16_t id,
                                            dns::WireName zone);

// An AXFR query, or an IXFR query carrying `current` (our SOA) in its authority section
// (RFC 1995 §3).
std::vector<std::uint8_t> transfer_query(std::uint16_t id, dns::WireName zone, std::uint16_t qtype,
                                         const dns::Record* current = nullptr);

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
  TransferReader(dns::Name origin, std::uint16_t id, std::uint16_t qtype,
                 std::optional<std::uint32_t> current_serial, TransferLimits limits = {});

  // Takes one message; true once the transfer is complete. After an error, stop reading.
  core::Result<bool> feed(std::span<const std::uint8_t> wire);

  bool done() const { return done_; }
  Form form() const { return form_; }
  std::uint32_t serial() const { return serial_; }  // the primary's, from the first SOA
  std::size_t record_count() const { return records_seen_; }
  std::size_t message_count() const { return messages_; }
  // Form::full: the whole zone, its SOA first.
  std::vector<dns::Record>& zone_records() { return records_; }
  // Form::incremental: the changes, oldest first.
  std::vector<ZoneDiff>& changes() { return changes_; }

 private:
  core::Result<void> take(dns::Record record);

  dns::Name origin_;
  std::uint16_t id_, qtype_;
  std::optional<std::uint32_t> current_;
  TransferLimits limits_;
  Form form_ = Form::pending;
  bool done_ = false;
  bool in_additions_ = false;  // incremental: after a change's second SOA
  std::uint32_t serial_ = 0;
  dns::Record first_soa_;
  std::size_t records_seen_ = 0, octets_ = 0, messages_ = 0;
  std::vector<dns::Record> records_;
  std::vector<ZoneDiff> changes_;
};

// A zone built from whole records (a received AXFR); checks they make a zone (an SOA at the
// apex) and drops those outside it.
core::Result<std::shared_ptr<const Zone>> zone_from_records(
    const dns::Name& origin, const std::vector<dns::Record>& records);

// `zone` with `changes` applied in order (RFC 1995 §4). A removal of a record the zone (as
// changed so far) does not hold, or a first change that does not start at the zone's serial,
// is an error: the copies have diverged and a full transfer is needed.
core::Result<std::shared_ptr<const Zone>> apply_changes(const Zone& zone,
                                                        std::span<const ZoneDiff> changes);

// The zone in presentation format, one record a line (the secondary's copy on disk).
std::string zone_text(const Zone& zone);

}  // namespace mxkit::auth
