// The few rdata fields the zone checks read (targets, preferences, the SOA serial), and the
// syntax of host names. Every read is bounds-checked: rdata written in the RFC 3597 generic
// form (`\# 3 0a0b0c`) reaches the checks without having been decoded as its type.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dns/name.hpp"

namespace mxkit::dns::zonecheck {

using Rdata = std::span<const std::uint8_t>;

// Octets before the domain name that ends the rdata of NS, CNAME, DNAME, PTR (none), MX, KX,
// AFSDB, RT (a u16) and SRV (three u16s), as laid out in rdata_table.cpp; nullopt for every
// other type.
std::optional<std::size_t> trailing_name_offset(std::uint16_t type);

// The name that ends the rdata of one of those types, or an empty span when the type has none
// or the octets are not exactly the fixed fields and one name.
WireName trailing_name(std::uint16_t type, Rdata rdata);

// A big-endian u16/u32 at `offset`; nullopt when the rdata is too short.
std::optional<std::uint16_t> read_u16(Rdata rdata, std::size_t offset);
std::optional<std::uint32_t> read_u32(Rdata rdata, std::size_t offset);

// SOA serial: the first of the five u32s after MNAME and RNAME (RFC 1035 §3.3.13).
std::optional<std::uint32_t> soa_serial(Rdata rdata);

// Three-way rdata order that treats the names of the types above as RFC 4034 §6.2 does
// (lower-cased), so "NS ns1.example." and "NS NS1.example." are one record. Other octets
// compare as they are.
int compare_rdata(std::uint16_t type, Rdata a, Rdata b);

// RFC 952 / RFC 1123 §2.1 host name: labels of letters, digits and hyphens that neither start
// nor end with a hyphen. With `allow_wildcard` the first label may be "*" (an owner name).
bool is_host_name(WireName name, bool allow_wildcard);

// True when `name` is an IPv4 or IPv6 address written as a domain name, either alone
// ("192.0.2.1.") or with the zone's apex appended because the trailing dot was left off
// ("192.0.2.1" read under $ORIGIN example.). `address` then gets the address text.
bool is_ip_literal(WireName name, WireName apex, std::string& address);

}  // namespace mxkit::dns::zonecheck
