// Resource record types and classes: codes and mnemonics (RFC 1035 §3.2, RFC 3597 §5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxkit::dns {

namespace rrtype {
inline constexpr std::uint16_t A = 1, NS = 2, MD = 3, MF = 4, CNAME = 5, SOA = 6, MB = 7, MG = 8,
                               MR = 9, NULL_ = 10, WKS = 11, PTR = 12, HINFO = 13, MINFO = 14,
                               MX = 15, TXT = 16, RP = 17, AFSDB = 18, X25 = 19, ISDN = 20,
                               RT = 21, NSAP = 22, NSAP_PTR = 23, SIG = 24, KEY = 25, PX = 26,
                               GPOS = 27, AAAA = 28, LOC = 29, NXT = 30, SRV = 33, NAPTR = 35,
                               KX = 36, CERT = 37, A6 = 38, DNAME = 39, OPT = 41, APL = 42,
                               DS = 43, SSHFP = 44, IPSECKEY = 45, RRSIG = 46, NSEC = 47,
                               DNSKEY = 48, DHCID = 49, NSEC3 = 50, NSEC3PARAM = 51, TLSA = 52,
                               SMIMEA = 53, HIP = 55, CDS = 59, CDNSKEY = 60, OPENPGPKEY = 61,
                               CSYNC = 62, ZONEMD = 63, SVCB = 64, HTTPS = 65, DSYNC = 66,
                               SPF = 99, NID = 104, L32 = 105, L64 = 106, LP = 107, EUI48 = 108,
                               EUI64 = 109, TKEY = 249, TSIG = 250, IXFR = 251, AXFR = 252,
                               MAILB = 253, MAILA = 254, ANY = 255, URI = 256, CAA = 257,
                               AVC = 258, DOA = 259, AMTRELAY = 260, RESINFO = 261, WALLET = 262,
                               TA = 32768, DLV = 32769;
// Code points of draft or vendor types, as Knot DNS assigns them: DELEG and DELEGPARAM
// (draft-ietf-deleg-07, provisional) and ALIAS (the private-use type PowerDNS and Knot share).
inline constexpr std::uint16_t DELEG = 61440, ALIAS = 65401, DELEGPARAM = 65433;
}  // namespace rrtype

namespace rrclass {
inline constexpr std::uint16_t IN = 1, CH = 3, HS = 4, NONE = 254, ANY = 255;
}

// "MX" → 15, "TYPE15" → 15, case-insensitive; nullopt if neither.
std::optional<std::uint16_t> type_from_text(std::string_view text);
// 15 → "MX"; unknown → "TYPE15" (RFC 3597 §5).
std::string type_to_text(std::uint16_t type);
// Mnemonic only, empty when the type has none.
std::string_view type_mnemonic(std::uint16_t type);

std::optional<std::uint16_t> class_from_text(std::string_view text);  // IN, CH, HS, CLASSnnn
std::string class_to_text(std::uint16_t cls);

}  // namespace mxkit::dns
