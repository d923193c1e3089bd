// Validation of a zone before it is saved: socket-free, over the records the zone would hold
// after the proposed changes. The codes are those of `mxkit zone check` (docs/zone-checks.md)
// and `mxkit check` (docs/checks.md), so a finding reads the same in every tool.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "console/records.hpp"
#include "console/store.hpp"
#include "dns/name.hpp"

namespace mxkit::console {

struct Finding {
  std::string code;     // "target-is-ip-literal", "priority-range", …
  std::string message;  // one sentence
  std::string field;    // the JSON field it concerns: "value", "priority", "name", "ttl", "type"
  // The record it is about, when it is about one: its id (0 for a record not saved yet) and the
  // index of the change that brought it, when a change did (for the UI to place the message).
  std::optional<Record> record;
  std::optional<std::size_t> index;   // the record's position in the checked list
  std::optional<std::size_t> change;  // set by the API
};

// errors block a save; warnings block it until the request says "accept_warnings"; notices
// never block (identical MX priorities: the servers share the load, RFC 5321 §5.1).
struct Findings {
  std::vector<Finding> errors, warnings, notices;
  bool empty() const { return errors.empty() && warnings.empty() && notices.empty(); }
};

// A record as a client sent it, before its fields are known to fit: the priority and the TTL as
// the JSON numbers they were (they may be out of range).
struct RecordDraft {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> ttl;  // empty: the zone's default TTL
  std::string type;
  std::optional<std::int64_t> priority;
  std::string value;
};

// Checks one draft's fields on their own (priority-range, ttl-range, bad-name, bad-type,
// bad-value with the zone parser's message) and returns the record in the stored form.
tl::expected<Record, Finding> check_draft(const RecordDraft& draft, const dns::Name& zone);

// What a lookup of a target outside the zone found (A and AAAA through serve's resolver, done
// at the edge: target_lookup.hpp in the console's DNS side). The validator only reads these.
struct TargetAddress {
  enum class State : std::uint8_t {
    has_address,  // an A or AAAA record
    no_address,   // NXDOMAIN or NODATA for both: a definite answer (RFC 2308)
    unverified,   // a timeout or SERVFAIL: nothing can be said
  } state = State::unverified;
  std::string detail;  // "A nxdomain, AAAA nxdomain", "A timeout, AAAA timeout: …"
};
// Keyed by the target, lowercased and absolute ("mx.example.net.").
using TargetAddresses = std::map<std::string, TargetAddress>;

// The MX, NS and SRV targets among `records` that are outside `zone` (lowercased, absolute,
// each once, in order): the names the zone's own records cannot say have an address. A null
// MX (".", RFC 7505) is no target.
std::vector<std::string> outside_targets(const dns::Name& zone, const std::vector<Record>& records);

// The checks over the whole zone: the zone checks (RFC 1035, 2181, 5321, 7505 rules, with their
// codes) over exactly `records`, plus mx-equal-priority (notice) and mx-ttl-long (warning).
// With `targets`, every MX/NS/SRV record whose outside target was looked up and has no address
// is a target-no-address warning (the name may be set up elsewhere next: the operator decides),
// and one whose lookup failed is a target-not-verified notice. A finding names the record it
// is placed at.
Findings check_zone_records(const dns::Name& zone, const std::vector<Record>& records,
                            const TargetAddresses* targets = nullptr);

inline constexpr std::int64_t kMaxTtl = 2147483647;  // RFC 2181 §8: TTLs are 31-bit

}  // namespace mxkit::console
