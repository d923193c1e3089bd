// libFuzzer target: `mxkit dig AXFR/IXFR` reading a server's TCP stream (2-octet length, message,
// ...) for example.test. with id 0: each message parsed, fed to the shared transfer reader (where
// the transfer ends) and its records printed as dig, +multi and +json print them. Nothing may
// crash, whatever the server sends.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cli/dig_output.hpp"
#include "dns/message.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/transfer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dig = mxkit::cli::dig;
  // The first octet picks the query: AXFR, or IXFR from a serial read from the next four.
  if (size < 5) return 0;
  std::optional<std::uint32_t> ixfr;
  if (data[0] & 1)
    ixfr = (std::uint32_t{data[1]} << 24) | (std::uint32_t{data[2]} << 16) |
           (std::uint32_t{data[3]} << 8) | data[4];
  std::span<const std::uint8_t> stream(data + 5, size - 5);
  namespace dns = mxkit::dns;
  dns::zone::TransferReader reader(*dns::Name::from_text("example.test."), 0,
                                   ixfr ? dns::rrtype::IXFR : dns::rrtype::AXFR, ixfr,
                                   {10000, 1 << 20});
  while (stream.size() >= 2 && !reader.done()) {
    const std::size_t length = std::size_t{stream[0]} << 8 | stream[1];
    if (stream.size() < 2 + length) break;
    const auto wire = stream.subspan(2, length);
    stream = stream.subspan(2 + length);
    auto message = mxkit::dns::parse_message(wire);
    if (!message) continue;
    dig::ReplyInfo info{"127.0.0.1", 53, true, {}, wire.size(), 0};
    (void)dig::json_text(*message, wire, info);
    if (!reader.feed(wire)) break;
    for (const auto& record : message->answer) {
      (void)dig::record_line(record, true);
      (void)dig::record_line(record, false);
    }
  }
  return 0;
}
