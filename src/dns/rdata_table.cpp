// The table of record types: each known type is one row naming its fields in wire order.
// Adding a type means adding its row here (and, for a new field shape, a FieldKind).
#include <array>

#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::dns {

namespace {

using K = FieldKind;

// Field lists, named as the defining RFC names them.
constexpr FieldSpec kA[] = {{K::IPv4, "address"}};
constexpr FieldSpec kAAAA[] = {{K::IPv6, "address"}};
constexpr FieldSpec kNS[] = {{K::CompressedName, "nsdname"}};
constexpr FieldSpec kCNAME[] = {{K::CompressedName, "cname"}};
constexpr FieldSpec kPTR[] = {{K::CompressedName, "ptrdname"}};
constexpr FieldSpec kMB[] = {{K::CompressedName, "madname"}};
constexpr FieldSpec kSOA[] = {{K::CompressedName, "mname"}, {K::CompressedName, "rname"},
                              {K::U32, "serial"},           {K::Period, "refresh"},
                              {K::Period, "retry"},         {K::Period, "expire"},
                              {K::Period, "minimum"}};
constexpr FieldSpec kHINFO[] = {{K::CharString, "cpu"}, {K::CharString, "os"}};
constexpr FieldSpec kMINFO[] = {{K::CompressedName, "rmailbx"}, {K::CompressedName, "emailbx"}};
constexpr FieldSpec kMX[] = {{K::U16, "preference"}, {K::CompressedName, "exchange"}};
constexpr FieldSpec kTXT[] = {{K::CharStrings, "txt-data"}};
constexpr FieldSpec kRP[] = {{K::Name, "mbox-dname"}, {K::Name, "txt-dname"}};
constexpr FieldSpec kAFSDB[] = {{K::U16, "subtype"}, {K::Name, "hostname"}};
constexpr FieldSpec kRT[] = {{K::U16, "preference"}, {K::Name, "intermediate-host"}};
constexpr FieldSpec kPX[] = {{K::U16, "preference"}, {K::Name, "map822"}, {K::Name, "mapx400"}};
constexpr FieldSpec kSRV[] = {
    {K::U16, "priority"}, {K::U16, "weight"}, {K::U16, "port"}, {K::Name, "target"}};
constexpr FieldSpec kNAPTR[] = {{K::U16, "order"},          {K::U16, "preference"},
                                {K::CharString, "flags"},   {K::CharString, "services"},
                                {K::CharString, "regexp"},  {K::Name, "replacement"}};
constexpr FieldSpec kKX[] = {{K::U16, "preference"}, {K::Name, "exchanger"}};
constexpr FieldSpec kCERT[] = {{K::CertType, "type"},
                               {K::U16, "key-tag"},
                               {K::Algorithm, "algorithm"},
                               {K::Base64Rest, "certificate"}};
constexpr FieldSpec kDNAME[] = {{K::Name, "target"}};
constexpr FieldSpec kDS[] = {{K::U16, "key-tag"},
                             {K::Algorithm, "algorithm"},
                             {K::U8, "digest-type"},
                             {K::HexRest, "digest"}};
constexpr FieldSpec kSSHFP[] = {{K::U8, "algorithm"}, {K::U8, "fp-type"}, {K::HexRest, "fingerprint"}};
constexpr FieldSpec kRRSIG[] = {{K::TypeCode, "type-covered"}, {K::Algorithm, "algorithm"},
                                {K::U8, "labels"},             {K::U32, "original-ttl"},
                                {K::Time, "expiration"},       {K::Time, "inception"},
                                {K::U16, "key-tag"},           {K::Name, "signer"},
                                {K::Base64Rest, "signature"}};
constexpr FieldSpec kNSEC[] = {{K::Name, "next-domain"}, {K::TypeBitmap, "types"}};
constexpr FieldSpec kDNSKEY[] = {{K::U16, "flags"},
                                 {K::U8, "protocol"},
                                 {K::Algorithm, "algorithm"},
                                 {K::Base64Rest, "public-key"}};
constexpr FieldSpec kDHCID[] = {{K::Base64Rest, "digest"}};
constexpr FieldSpec kNSEC3[] = {{K::U8, "hash-algorithm"},       {K::U8, "flags"},
                                {K::U16, "iterations"},          {K::HexWithLength, "salt"},
                                {K::Base32WithLength, "next-hashed-owner"},
                                {K::TypeBitmap, "types"}};
constexpr FieldSpec kNSEC3PARAM[] = {{K::U8, "hash-algorithm"},
                                     {K::U8, "flags"},
                                     {K::U16, "iterations"},
                                     {K::HexWithLength, "salt"}};
constexpr FieldSpec kTLSA[] = {{K::U8, "usage"},
                               {K::U8, "selector"},
                               {K::U8, "matching-type"},
                               {K::HexRest, "certificate-data"}};
constexpr FieldSpec kOPENPGPKEY[] = {{K::Base64Rest, "public-key"}};
constexpr FieldSpec kCSYNC[] = {{K::U32, "soa-serial"}, {K::U16, "flags"}, {K::TypeBitmap, "types"}};
constexpr FieldSpec kZONEMD[] = {{K::U32, "serial"},
                                 {K::U8, "scheme"},
                                 {K::U8, "hash-algorithm"},
                                 {K::HexRest, "digest"}};
constexpr FieldSpec kNID[] = {{K::U16, "preference"}, {K::Ilnp64, "node-id"}};
constexpr FieldSpec kL32[] = {{K::U16, "preference"}, {K::IPv4, "locator32"}};
constexpr FieldSpec kL64[] = {{K::U16, "preference"}, {K::Ilnp64, "locator64"}};
constexpr FieldSpec kLP[] = {{K::U16, "preference"}, {K::Name, "fqdn"}};
constexpr FieldSpec kEUI48[] = {{K::Eui48, "address"}};
constexpr FieldSpec kEUI64[] = {{K::Eui64, "address"}};
constexpr FieldSpec kURI[] = {{K::U16, "priority"}, {K::U16, "weight"}, {K::StringRest, "target"}};
constexpr FieldSpec kCAA[] = {{K::U8, "flags"}, {K::CaaTag, "tag"}, {K::StringRest, "value"}};
constexpr FieldSpec kX25[] = {{K::CharString, "psdn-address"}};
constexpr FieldSpec kLOC[] = {{K::Loc, "location"}};
constexpr FieldSpec kAPL[] = {{K::Apl, "prefixes"}};
constexpr FieldSpec kIPSECKEY[] = {{K::U8, "precedence"}, {K::IpseckeyGateway, "gateway"}};
constexpr FieldSpec kAMTRELAY[] = {{K::U8, "precedence"}, {K::AmtRelay, "relay"}};
constexpr FieldSpec kSVCB[] = {
    {K::U16, "priority"}, {K::Name, "target"}, {K::SvcParams, "params"}};
constexpr FieldSpec kDSYNC[] = {
    {K::TypeCode, "rrtype"}, {K::DsyncScheme, "scheme"}, {K::U16, "port"}, {K::Name, "target"}};
constexpr FieldSpec kDELEG[] = {{K::DelegInfos, "infos"}};
constexpr FieldSpec kALIAS[] = {{K::Name, "target"}};

// decompress_names: RFC 3597 §4 — the RFC 1035 types plus RP, AFSDB, RT, SIG, PX, NXT, NAPTR,
// SRV may arrive with compressed names; every other type's names are read as they stand.
constexpr std::array kTypes = std::to_array<TypeSpec>({
    {rrtype::A, "A", kA, false},
    {rrtype::NS, "NS", kNS, true},
    {rrtype::MD, "MD", kMB, true},
    {rrtype::MF, "MF", kMB, true},
    {rrtype::CNAME, "CNAME", kCNAME, true},
    {rrtype::SOA, "SOA", kSOA, true},
    {rrtype::MB, "MB", kMB, true},
    {rrtype::MG, "MG", kMB, true},
    {rrtype::MR, "MR", kMB, true},
    {rrtype::PTR, "PTR", kPTR, true},
    {rrtype::HINFO, "HINFO", kHINFO, false},
    {rrtype::MINFO, "MINFO", kMINFO, true},
    {rrtype::MX, "MX", kMX, true},
    {rrtype::TXT, "TXT", kTXT, false},
    {rrtype::RP, "RP", kRP, true},
    {rrtype::AFSDB, "AFSDB", kAFSDB, true},
    {rrtype::X25, "X25", kX25, false},
    {rrtype::RT, "RT", kRT, true},
    {rrtype::SIG, "SIG", kRRSIG, true},
    {rrtype::KEY, "KEY", kDNSKEY, false},
    {rrtype::PX, "PX", kPX, true},
    {rrtype::AAAA, "AAAA", kAAAA, false},
    {rrtype::LOC, "LOC", kLOC, false},
    {rrtype::SRV, "SRV", kSRV, true},
    {rrtype::NAPTR, "NAPTR", kNAPTR, true},
    {rrtype::KX, "KX", kKX, false},
    {rrtype::CERT, "CERT", kCERT, false},
    {rrtype::DNAME, "DNAME", kDNAME, false},
    {rrtype::APL, "APL", kAPL, false},
    {rrtype::DS, "DS", kDS, false},
    {rrtype::SSHFP, "SSHFP", kSSHFP, false},
    {rrtype::IPSECKEY, "IPSECKEY", kIPSECKEY, false},
    {rrtype::RRSIG, "RRSIG", kRRSIG, false},
    {rrtype::NSEC, "NSEC", kNSEC, false},
    {rrtype::DNSKEY, "DNSKEY", kDNSKEY, false},
    {rrtype::DHCID, "DHCID", kDHCID, false},
    {rrtype::NSEC3, "NSEC3", kNSEC3, false},
    {rrtype::NSEC3PARAM, "NSEC3PARAM", kNSEC3PARAM, false},
    {rrtype::TLSA, "TLSA", kTLSA, false},
    {rrtype::SMIMEA, "SMIMEA", kTLSA, false},
    {rrtype::CDS, "CDS", kDS, false},
    {rrtype::CDNSKEY, "CDNSKEY", kDNSKEY, false},
    {rrtype::OPENPGPKEY, "OPENPGPKEY", kOPENPGPKEY, false},
    {rrtype::CSYNC, "CSYNC", kCSYNC, false},
    {rrtype::ZONEMD, "ZONEMD", kZONEMD, false},
    {rrtype::SVCB, "SVCB", kSVCB, false},
    {rrtype::HTTPS, "HTTPS", kSVCB, false},
    {rrtype::DSYNC, "DSYNC", kDSYNC, false},
    {rrtype::SPF, "SPF", kTXT, false},
    {rrtype::NID, "NID", kNID, false},
    {rrtype::L32, "L32", kL32, false},
    {rrtype::L64, "L64", kL64, false},
    {rrtype::LP, "LP", kLP, false},
    {rrtype::EUI48, "EUI48", kEUI48, false},
    {rrtype::EUI64, "EUI64", kEUI64, false},
    {rrtype::URI, "URI", kURI, false},
    {rrtype::CAA, "CAA", kCAA, false},
    {rrtype::AVC, "AVC", kTXT, false},
    {rrtype::AMTRELAY, "AMTRELAY", kAMTRELAY, false},
    {rrtype::RESINFO, "RESINFO", kTXT, false},
    {rrtype::WALLET, "WALLET", kTXT, false},
    {rrtype::TA, "TA", kDS, false},
    {rrtype::DLV, "DLV", kDS, false},
    {rrtype::DELEG, "DELEG", kDELEG, false},
    {rrtype::ALIAS, "ALIAS", kALIAS, false},
    {rrtype::DELEGPARAM, "DELEGPARAM", kDELEG, false},
});

// Every field that takes the rest of the rdata must be the last one.
constexpr bool rest_fields_last() {
  for (const auto& spec : kTypes)
    for (std::size_t i = 0; i + 1 < spec.fields.size(); ++i)
      if (takes_rest(spec.fields[i].kind)) return false;
  return true;
}
static_assert(rest_fields_last(), "a field that takes the rest of the rdata must come last");

}  // namespace

std::span<const TypeSpec> all_type_specs() { return kTypes; }

const TypeSpec* find_type_spec(std::uint16_t code) {
  // A direct index for the common range keeps the hot path (zone loading) to one load.
  static constexpr auto kIndex = [] {
    std::array<std::uint8_t, 512> index{};
    for (std::size_t i = 0; i < kTypes.size(); ++i)
      if (kTypes[i].code < index.size()) index[kTypes[i].code] = static_cast<std::uint8_t>(i + 1);
    return index;
  }();
  static_assert(kTypes.size() < 255);
  if (code < kIndex.size()) return kIndex[code] ? &kTypes[kIndex[code] - 1u] : nullptr;
  for (const auto& spec : kTypes)
    if (spec.code == code) return &spec;
  return nullptr;
}

}  // namespace mxkit::dns
