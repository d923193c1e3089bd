// IPv4 and IPv6 addresses in presentation form, parsed without copies or allocation: zone
// loading reads one per A/AAAA record, so these sit on the hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mxkit::dns {

// RFC 1035 §3.4.1 dotted decimal: exactly four decimal octets 0-255, no sign, no leading zero
// (so "010" cannot be taken for octal) — the same text inet_pton(AF_INET) accepts.
bool parse_ipv4(std::string_view text, std::uint8_t* out4);

// RFC 4291 §2.2: eight groups of 1-4 hex digits, one "::" standing for one or more zero
// groups, and optionally the last 32 bits as an embedded IPv4 address (form 3). The same text
// inet_pton(AF_INET6) accepts.
bool parse_ipv6(std::string_view text, std::uint8_t* out16);

void append_ipv4(const std::uint8_t* address4, std::string& out);
// RFC 5952 form (lower case, longest zero run as "::").
void append_ipv6(const std::uint8_t* address16, std::string& out);

}  // namespace mxkit::dns
