// AXFR for `mxkit check` (see zone_transfer.hpp): the socket loop only; what the stream must be
// is the transfer reader's.
#include "checks/zone_transfer.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <span>
#include <string>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/tsig.hpp"
#include "dns/zone/transfer.hpp"
#include "net/client.hpp"

namespace mxkit::checks {

namespace {

// A zone bigger than this is not worth checking from a health report (and bounds memory).
constexpr dns::zone::TransferLimits kLimits{1'000'000, std::size_t{256} << 20};

// "REFUSED", or "NOTAUTH, TSIG BADKEY" when the refusal carries a TSIG error (RFC 8945 §5.2:
// the key unknown to the server, the MAC wrong, the clocks apart).
std::string refusal_text(std::span<const std::uint8_t> wire, std::uint16_t rcode) {
  std::string text = dns::zone::rcode_text(rcode);
  if (auto found = dns::find_tsig(wire); found && *found && (*found)->record.error != 0) {
    const auto name = dns::tsig_error_text((*found)->record.error);
    text += fmt::format(", TSIG {}", name.empty() ? fmt::format("error {}", (*found)->record.error)
                                                  : std::string(name));
  }
  return text;
}

// One AXFR from `address`: the records, or why not (a refusal reads "REFUSED").
asio::awaitable<core::Result<std::vector<dns::Record>>> axfr_from(
    const dns::Name& zone, asio::ip::address address, const ProbeOptions& options, std::uint16_t id,
    const std::optional<dns::TsigKey>& key) {
  net::TcpConnection connection(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  const std::uint16_t port = options.dns_port.value_or(53);
  if (auto c = co_await connection.connect({address, port}, deadline); !c)
    co_return core::fail(c.error().message);
  // RFC 5936 §4.2 / RFC 7766 §8: each message behind a two-octet length.
  auto query = dns::zone::transfer_query(id, zone.wire(), dns::rrtype::AXFR);
  // RFC 8945 §5.1 / §5.3.1: the request signed; each message of the answer checked against the
  // MAC chain, unsigned ones digested with the next signed one, the last one signed.
  std::optional<dns::TsigVerifier> verifier;
  if (key) {
    dns::TsigSigner signer(*key, std::nullopt);
    query = signer.sign(query, dns::tsig_now());
    verifier.emplace(*key, signer.last_mac());
  }
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
      co_return core::fail(refusal_text(message, m->header.rcode));
    if (verifier)
      if (auto v = verifier->feed(message, dns::tsig_now()); !v)
        co_return core::fail(
            fmt::format("the answer's TSIG does not verify: {}", v.error().message));
    if (auto fed = reader.feed(message); !fed) co_return core::fail(fed.error().message);
  }
  if (verifier)
    if (auto last = verifier->finish(); !last)
      co_return core::fail(
          fmt::format("the answer's TSIG does not verify: {}", last.error().message));
  connection.close();
  co_return std::move(reader.zone_records());
}

}  // namespace

asio::awaitable<ZoneTransferFacts> transfer_zone(dns::Name zone, std::vector<std::string> addresses,
                                                 ProbeOptions options,
                                                 std::optional<dns::TsigKey> key) {
  ZoneTransferFacts out;
  std::mt19937 rng(std::random_device{}());
  for (const auto& text : addresses) {
    std::error_code ec;
    const auto address = asio::ip::make_address(text, ec);
    if (ec) continue;
    auto got = co_await axfr_from(zone, address, options, static_cast<std::uint16_t>(rng()), key);
    if (!got) {
      out.attempts.push_back(fmt::format(
          "{}: {}{}", text, got.error().message,
          key ? " (request signed with TSIG key " + key->name.to_text() + ")" : std::string()));
      continue;
    }
    out.server = text;
    out.records = std::move(*got);
    break;
  }
  co_return out;
}

}  // namespace mxkit::checks
