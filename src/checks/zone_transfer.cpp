// AXFR for `mxkit check` (see zone_transfer.hpp): the socket loop only; what the stream must be
// is the transfer reader's.
#include "checks/zone_transfer.hpp"

#include <algorithm>
#include <array>
#include <random>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zone/transfer.hpp"
#include "net/client.hpp"

namespace mxkit::checks {

namespace {

// A zone bigger than this is not worth checking from a health report (and bounds memory).
constexpr dns::zone::TransferLimits kLimits{1'000'000, std::size_t{256} << 20};

// One AXFR from `address`: the records, or why not (a refusal reads "REFUSED").
asio::awaitable<core::Result<std::vector<dns::Record>>> axfr_from(const dns::Name& zone,
                                                                  asio::ip::address address,
                                                                  const ProbeOptions& options,
                                                                  std::uint16_t id) {
  net::TcpConnection connection(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  const std::uint16_t port = options.dns_port.value_or(53);
  if (auto c = co_await connection.connect({address, port}, deadline); !c)
    co_return core::fail(c.error().message);
  // RFC 5936 §4.2 / RFC 7766 §8: each message behind a two-octet length.
  const auto query = dns::zone::transfer_query(id, zone.wire(), dns::rrtype::AXFR);
  std::vector<std::uint8_t> framed(query.size() + 2);
  framed[0] = static_cast<std::uint8_t>(query.size() >> 8);
  framed[1] = static_cast<std::uint8_t>(query.size());
  std::copy(query.begin(), query.end(), framed.begin() + 2);
  if (auto w = co_await connection.write(framed, deadline); !w)
    co_return core::fail(w.error().message);
  dns::zone::TransferReader reader(zone, id, dns::rrtype::AXFR, std::nullopt, kLimits);
  while (!reader.done()) {
    deadline = std::chrono::steady_clock::now() + options.timeout;
    std::array<std::uint8_t, 2> length{};
    if (auto got = co_await connection.read_exactly(length, deadline); !got)
      co_return core::fail(reader.message_count() == 0
                               ? "closed the connection without an answer"
                               : fmt::format("the transfer broke off: {}", got.error().message));
    std::vector<std::uint8_t> message(static_cast<std::size_t>(length[0] << 8 | length[1]));
    if (auto got = co_await connection.read_exactly(message, deadline); !got)
      co_return core::fail(fmt::format("the transfer broke off: {}", got.error().message));
    // RFC 5936 §2.2.1: a refusal is an error rcode in the first message; say it plainly.
    if (auto m = dns::parse_message(message);
        m && m->header.id == id && m->header.rcode != dns::rcode::NOERROR)
      co_return core::fail(dns::zone::rcode_text(m->header.rcode));
    if (auto fed = reader.feed(message); !fed) co_return core::fail(fed.error().message);
  }
  connection.close();
  co_return std::move(reader.zone_records());
}

}  // namespace

asio::awaitable<ZoneTransferFacts> transfer_zone(dns::Name zone, std::vector<std::string> addresses,
                                                 ProbeOptions options) {
  ZoneTransferFacts out;
  std::mt19937 rng(std::random_device{}());
  for (const auto& text : addresses) {
    std::error_code ec;
    const auto address = asio::ip::make_address(text, ec);
    if (ec) continue;
    auto got = co_await axfr_from(zone, address, options, static_cast<std::uint16_t>(rng()));
    if (!got) {
      out.attempts.push_back(fmt::format("{}: {}", text, got.error().message));
      continue;
    }
    out.server = text;
    out.records = std::move(*got);
    break;
  }
  co_return out;
}

}  // namespace mxkit::checks
