// libFuzzer target: any packet sent to the authoritative server's answer path. A reply, when
// there is one, must be a well-formed DNS message that fits the limit and answers the same ID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "auth/answer.hpp"
#include "auth/prefetch.hpp"
#include "dns/message.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace {

const char* kZone = R"($ORIGIN example.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
@ MX 10 mail1
@ MX 20 mail2
@ MX 30 mail.other.
ns1 A 192.0.2.53
mail1 A 192.0.2.1
mail1 AAAA 2001:db8::1
mail2 A 192.0.2.2
www CNAME web
web CNAME www
*.wild MX 10 mail1
sub NS ns.sub
ns.sub A 192.0.2.99
a.b.c TXT "x"
big TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

const mxkit::auth::ZoneSet& zones() {
  static const mxkit::auth::ZoneSet set = [] {
    mxkit::dns::zone::CollectingSink sink;
    mxkit::dns::zone::ParseOptions options;
    options.origin = *mxkit::dns::Name::from_text("example.");
    mxkit::dns::zone::parse_zone_text(kZone, "fuzz", options, sink);
    auto zone = mxkit::auth::Zone::build(options.origin, std::move(sink.records));
    if (!zone) std::abort();
    mxkit::auth::ZoneSet s;
    s.add(*zone);
    return s;
  }();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::vector<std::uint8_t> out(65535);
  mxkit::auth::AnswerOptions options;
  options.rotate_addresses = size % 2;
  // The server prefetches every query of a batch before answering it: any packet must be safe.
  const auto ticket = mxkit::auth::prefetch_answer(zones(), {data, size});
  for (int stage = 1; stage <= 3; ++stage) mxkit::auth::prefetch_answer(ticket, stage);
  for (bool tcp : {false, true}) {
    auto result = mxkit::auth::answer_query(zones(), {data, size}, out, tcp, options, 7);
    if (result.size == 0) continue;
    if (!tcp && result.size > 1232) __builtin_trap();
    auto reply = mxkit::dns::parse_message({out.data(), result.size});
    if (!reply) __builtin_trap();
    if (reply->header.id != (data[0] << 8 | data[1]) || !reply->header.qr) __builtin_trap();
  }
  return 0;
}
