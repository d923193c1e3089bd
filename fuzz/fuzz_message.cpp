// libFuzzer target: any bytes as a DNS message must parse or give an error, never crash. What
// parses must write out with MessageBuilder and read back to the same content (names octet for
// octet), and writing that again must give the same octets.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "dns/message.hpp"
#include "dns/message_builder.hpp"

namespace {

namespace dns = mxkit::dns;

bool same_octets(const dns::Name& a, const dns::Name& b) {
  auto x = a.wire(), y = b.wire();
  return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin());
}

bool same_record(const dns::Record& a, const dns::Record& b) {
  return same_octets(a.owner, b.owner) && a.type == b.type && a.cls == b.cls && a.ttl == b.ttl &&
         a.rdata == b.rdata;
}

using mxkit::fuzzing::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto first = dns::parse_message({data, size});
  if (!first) return 0;

  auto wire = dns::build_message(*first);
  check(wire.has_value());
  auto second = dns::parse_message(*wire);
  check(second.has_value());

  check(second->edns == first->edns);

  // A parsed message can grow when written (names the sender compressed where we may not, more
  // names than the compression table holds), so one near 64 KiB may need truncating. Then TC
  // is set and each section holds a prefix of the original, with nothing after the cut.
  check(second->question.size() <= first->question.size());
  for (std::size_t i = 0; i < second->question.size(); ++i) {
    check(same_octets(second->question[i].name, first->question[i].name));
    check(second->question[i].type == first->question[i].type);
    check(second->question[i].cls == first->question[i].cls);
  }
  bool cut = second->question.size() < first->question.size();
  for (dns::Section s : {dns::Section::Answer, dns::Section::Authority, dns::Section::Additional}) {
    const auto& was = first->records(s);
    const auto& now = second->records(s);
    check(now.size() <= was.size());
    check(!cut || now.empty());
    for (std::size_t i = 0; i < now.size(); ++i) check(same_record(now[i], was[i]));
    cut = cut || now.size() < was.size();
  }
  dns::Header expected = first->header;
  expected.tc = expected.tc || cut;
  check(second->header == expected);

  if (!cut) {
    auto again = dns::build_message(*second);
    check(again.has_value() && *again == *wire);
  }
  return 0;
}
