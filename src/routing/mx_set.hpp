// One MX RRset turned into the mail exchangers to try, in order: null MX (RFC 7505), duplicate
// exchanges, IP literals, the sort by preference and the shuffle within it (RFC 5321 §5.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"
#include "routing/address.hpp"

namespace mxkit::routing {

// A warning or note of a plan: a stable code for scripts (docs/json.md lists them) and one line
// for a human, naming its RFC.
struct Remark {
  std::string code;     // "null-mx-beside-mx", ...
  std::string message;  // the line a human reads

  friend bool operator==(const Remark&, const Remark&) = default;
};

struct Exchanger {
  dns::Name name;
  std::uint16_t preference = 0;
  std::optional<Address> literal;  // the exchange name read as an IP address
};

struct MxSet {
  bool null_mx = false;               // the domain takes no mail (RFC 7505 §3)
  std::vector<Exchanger> exchangers;  // delivery order; empty when null_mx
  std::vector<Remark> warnings;
  std::size_t capped = 0;  // exchangers left out by the cap on targets
};

// Reads the MX records of `records` (other types are ignored) for `owner`.
MxSet read_mx_set(const dns::Name& owner, const std::vector<dns::Record>& records,
                  std::size_t max_targets, std::mt19937_64& rng);

// Stable sort by preference, then a uniform shuffle of each run of equal preference.
void order_by_preference(std::vector<Exchanger>& exchangers, std::mt19937_64& rng);

}  // namespace mxkit::routing
