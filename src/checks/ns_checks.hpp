// The name-server area of `mxkit check`: what the parent zone and each of the domain's name
// servers said when asked directly, and the findings from it (socket-free; ns_probe gathers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checks/finding.hpp"

namespace mxkit::checks {

// One address of one name server, asked directly without recursion.
struct ServerAnswer {
  std::string address;         // "127.0.0.4"
  bool reachable = false;      // it replied at all
  bool authoritative = false;  // it replied to SOA with AA set and the zone's SOA
  std::string error;  // why not reachable/authoritative: "timeout after 1500 ms", "REFUSED"
  std::optional<std::uint32_t> serial;
  std::vector<std::string> ns;  // the zone's NS set as this server gives it, sorted
  bool mx_answered = false;
  std::vector<std::string> mx;  // "10 mx1.example.test.", sorted
  std::optional<std::uint32_t> mx_ttl;
};

struct NameServer {
  std::string name;  // "ns1.example.test."
  bool in_parent = false;
  bool in_child = false;
  std::vector<std::string> glue;       // addresses the parent gives with the delegation
  std::vector<std::string> addresses;  // addresses a lookup of the name gives
  std::string address_error;           // when the lookup gave none: why
  std::vector<ServerAnswer> answers;   // one per address asked (glue and looked-up, merged)
};

struct NameServerFacts {
  std::string zone;  // "example.test."
  bool parent_answered = false;
  std::string parent_error;            // why the delegation could not be read
  std::string parent_server;           // who gave the delegation: "127.0.0.3"
  std::vector<std::string> parent_ns;  // the delegation's NS names, sorted
  std::vector<std::string> child_ns;   // the zone's own NS set (first authoritative answer)
  std::vector<NameServer> servers;     // every name in either set, sorted by name
};

inline constexpr std::uint32_t kLongMxTtl = 86400;  // a day (RFC 1912 §2.2's advice)

// Unreachable, lame, serials (RFC 1982), NS sets parent vs child, glue vs zone, two servers
// at least, MX RRsets and TTLs the same everywhere and not too long.
std::vector<Finding> check_nameservers(const NameServerFacts& facts);

}  // namespace mxkit::checks
