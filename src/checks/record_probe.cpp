// TXT, DNSBL, PTR and TLSA lookups (see record_probe.hpp).
#include "checks/record_probe.hpp"

#include <fmt/format.h>

#include "checks/ns_probe.hpp"
#include "checks/parallel.hpp"
#include "core/ascii.hpp"
#include "dns/rrtype.hpp"
#include "resolver/address.hpp"
#include "routing/address.hpp"

namespace mxkit::checks {

namespace {

std::string absolute(std::string name) {
  if (name.empty() || name.back() != '.') name.push_back('.');
  return name;
}

}  // namespace

asio::awaitable<TxtLookup> lookup_txt(resolver::Resolver& resolver, std::string name) {
  TxtLookup out;
  out.name = absolute(std::move(name));
  auto n = dns::Name::from_text(out.name);
  if (!n) {
    out.status = "bad name";
    co_return out;
  }
  auto r = co_await resolver.resolve(*n, dns::rrtype::TXT);
  out.status = std::string(resolver::status_name(r.status));
  for (const auto& rec : r.records)
    if (rec.type == dns::rrtype::TXT) out.texts.push_back(txt_rdata_text(rec.rdata));
  co_return out;
}

asio::awaitable<DnsblFacts> probe_dnsbl(resolver::Resolver& resolver, std::string address,
                                        std::string zone) {
  DnsblFacts out;
  out.address = std::move(address);
  out.zone = absolute(std::move(zone));
  out.query = reversed_address(out.address) + "." + out.zone;
  auto n = dns::Name::from_text(out.query);
  if (!n) {
    out.status = "bad name";
    co_return out;
  }
  auto r = co_await resolver.resolve(*n, dns::rrtype::A);
  out.status = std::string(resolver::status_name(r.status));
  for (const auto& rec : r.records)
    if (auto a = routing::address_from_rdata(rec.type, rec.rdata))
      out.codes.push_back(a->to_text());
  if (!out.codes.empty()) {  // RFC 5782 §2.1: the TXT record at the same name says why
    auto txt = co_await lookup_txt(resolver, out.query);
    for (const auto& t : txt.texts) out.reason += (out.reason.empty() ? "" : " ") + t;
  }
  co_return out;
}

asio::awaitable<PtrFacts> probe_ptr(resolver::Resolver& resolver, std::string exchange,
                                    std::string address) {
  PtrFacts out;
  out.exchange = std::move(exchange);
  out.address = std::move(address);
  std::error_code ec;
  const auto a = asio::ip::make_address(out.address, ec);
  out.query = ec ? std::string() : resolver::reverse_name(a);
  auto n = dns::Name::from_text(out.query);
  if (!n) {
    out.status = "bad name";
    co_return out;
  }
  auto r = co_await resolver.resolve(*n, dns::rrtype::PTR);
  out.status = std::string(resolver::status_name(r.status));
  for (const auto& rec : r.records)
    if (rec.type == dns::rrtype::PTR)
      out.names.push_back(dns::Name::from_wire(rec.rdata).to_text());
  // Forward confirmation (RFC 8601 §3 "iprev"): a PTR name whose addresses include this one.
  for (const auto& name : out.names) {
    std::string error;
    auto forward = co_await lookup_addresses(resolver, *dns::Name::from_text(name), error);
    for (const auto& f : forward) out.confirmed = out.confirmed || f == out.address;
    if (out.confirmed) break;
  }
  co_return out;
}

asio::awaitable<TlsaFacts> probe_tlsa(resolver::Resolver& resolver, std::string exchange,
                                      std::uint16_t port) {
  TlsaFacts out;
  out.exchange = absolute(std::move(exchange));
  out.query = fmt::format("_{}._tcp.{}", port, out.exchange);
  auto n = dns::Name::from_text(out.query);
  if (!n) co_return out;
  auto r = co_await resolver.resolve(*n, dns::rrtype::TLSA);
  for (const auto& rec : r.records) {
    if (rec.type != dns::rrtype::TLSA || rec.rdata.size() < 3) continue;
    TlsaRecord t{rec.rdata[0], rec.rdata[1], rec.rdata[2], {}};
    for (std::size_t i = 3; i < rec.rdata.size(); ++i)
      t.data += fmt::format("{:02x}", rec.rdata[i]);
    out.records.push_back(std::move(t));
  }
  co_return out;
}

}  // namespace mxkit::checks
