// libFuzzer target: a secondary's side of a zone transfer. The input is a TCP stream (2-octet
// length, message, ...) answering an IXFR from serial 1; whatever the reader accepts is applied
// to the zone it holds. The same octets are also read as a journal file. Nothing may crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "auth/journal.hpp"
#include "auth/transfer_in.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace {

const char* kZone = R"($ORIGIN example.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
@ MX 10 mail1
ns1 A 192.0.2.53
mail1 A 192.0.2.1
)";

const mxkit::auth::Zone& base_zone() {
  static const auto zone = [] {
    mxkit::dns::zone::CollectingSink sink;
    mxkit::dns::zone::ParseOptions options;
    options.origin = *mxkit::dns::Name::from_text("example.");
    mxkit::dns::zone::parse_zone_text(kZone, "fuzz", options, sink);
    return *mxkit::auth::Zone::build(options.origin, std::move(sink.records));
  }();
  return *zone;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace auth = mxkit::auth;
  const auth::Zone& zone = base_zone();
  // The id is the first two octets of the first message, so the fuzzer can match it.
  const std::uint16_t id = size >= 4 ? static_cast<std::uint16_t>(data[2] << 8 | data[3]) : 0;
  auth::TransferReader reader(zone.origin(), id, mxkit::dns::rrtype::IXFR, 1u, {10000, 1 << 20});
  std::span<const std::uint8_t> rest(data, size);
  while (rest.size() >= 2 && !reader.done()) {
    const std::size_t length = static_cast<std::size_t>(rest[0] << 8 | rest[1]);
    if (rest.size() - 2 < length) break;
    if (!reader.feed(rest.subspan(2, length))) break;
    rest = rest.subspan(2 + length);
  }
  if (reader.done()) {
    if (reader.form() == auth::TransferReader::Form::full)
      (void)auth::zone_from_records(zone.origin(), reader.zone_records());
    if (reader.form() == auth::TransferReader::Form::incremental)
      (void)auth::apply_changes(zone, reader.changes());
  }
  (void)auth::decode_journal({data, size});
  return 0;
}
