// libFuzzer target: any text as an SPF record. What parses has terms that are the record's own
// substrings at their positions, prefix lengths in range, and evaluates (over a small DNS table
// that serves the same record at every name) within the lookup limits; errors name a position
// inside the record and a reason.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mailauth/spf.hpp"
#include "mailauth_dns_table.hpp"

using mxkit::fuzzing::check;
using namespace mxkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto r = mailauth::parse_spf_record(text);
  if (!r) {
    check(r.error().position <= text.size() && !r.error().message.empty());
    return 0;
  }
  check(mailauth::is_spf_record(text));
  for (const auto& m : r->mechanisms) {
    check(text.compare(m.position, m.text.size(), m.text) == 0);
    check(m.cidr4 <= 32 && m.cidr6 <= 128);
  }
  // The record at the domain, at an include/redirect target the record may name, and beside
  // A and MX data, so that the mechanisms have something to find.
  test::DnsTable dns;
  for (const char* name : {"fuzz.example", "a.fuzz.example", "b.example"}) {
    dns.add_txt(name, text);
    dns.add_address(name, "192.0.2.1");
    dns.add_address(name, "2001:db8::1");
    dns.add_mx(name, 10, "a.fuzz.example");
  }
  dns.add_name_record("1.2.0.192.in-addr.arpa", 12 /* PTR */, "a.fuzz.example");
  for (const char* ip : {"192.0.2.1", "2001:db8::2"}) {
    mailauth::SpfQuery q;
    q.ip = asio::ip::make_address(ip);
    q.sender = "user@fuzz.example";
    q.helo = "helo.fuzz.example";
    q.timestamp = 1;
    const auto o = mailauth::check_host_blocking(dns, q);
    check(o.dns_lookups <= 11 && o.void_lookups <= 3);
    check(o.lookup_limit_exceeded == (o.dns_lookups == 11));
    check(o.explanation.empty() == (o.result != mailauth::SpfResult::Fail));
  }
  return 0;
}
