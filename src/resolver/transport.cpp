// exchange(): one query, its checked reply; UDP first, TCP when the reply is truncated.
#include "resolver/transport.hpp"

#include <array>
#include <random>

#include <fmt/format.h>

#include "dns/message_builder.hpp"
#include "net/client.hpp"
#include "resolver/query.hpp"

namespace mxkit::resolver {

namespace {

// RFC 5452 §9.2: the ID must be unpredictable. std::random_device reads the kernel's CSPRNG
// (getrandom) on Linux; one read per query is cheap beside the round trip.
std::uint16_t random_id() {
  static thread_local std::random_device device;
  return static_cast<std::uint16_t>(device());
}

ExchangeError from_net(const net::NetError& e) {
  switch (e.failure) {
    case net::Failure::Timeout: return {ExchangeFailure::Timeout, e.message};
    case net::Failure::Unreachable: return {ExchangeFailure::Unreachable, e.message};
    case net::Failure::Network: break;
  }
  return {ExchangeFailure::Network, e.message};
}

using ExchangeResult = tl::expected<Exchange, ExchangeError>;

// RFC 7766 §8: the message behind a two-octet length, on a new connection.
asio::awaitable<ExchangeResult> exchange_tcp(asio::any_io_executor executor, ServerAddress server,
                                             const dns::Message& query,
                                             const std::vector<std::uint8_t>& wire,
                                             std::chrono::milliseconds timeout,
                                             const ExchangeOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  net::TcpConnection connection(executor);
  asio::ip::tcp::endpoint peer(server.address, server.port);
  std::optional<asio::ip::tcp::endpoint> source;
  if (options.source) source.emplace(*options.source, options.source_port);
  if (auto r = co_await connection.connect(peer, deadline, source); !r)
    co_return ExchangeResult(tl::unexpect, from_net(r.error()));
  std::vector<std::uint8_t> framed;
  framed.reserve(wire.size() + 2);
  framed.push_back(static_cast<std::uint8_t>(wire.size() >> 8));
  framed.push_back(static_cast<std::uint8_t>(wire.size()));
  framed.insert(framed.end(), wire.begin(), wire.end());
  if (auto r = co_await connection.write(framed, deadline); !r)
    co_return ExchangeResult(tl::unexpect, from_net(r.error()));
  std::array<std::uint8_t, 2> length{};
  if (auto r = co_await connection.read_exactly(length, deadline); !r)
    co_return ExchangeResult(tl::unexpect, from_net(r.error()));
  std::vector<std::uint8_t> reply(static_cast<std::size_t>(length[0] << 8 | length[1]));
  if (auto r = co_await connection.read_exactly(reply, deadline); !r)
    co_return ExchangeResult(tl::unexpect, from_net(r.error()));
  connection.close();
  auto check = check_reply(query, reply);
  if (check.verdict != ReplyVerdict::Accept)
    co_return ExchangeResult(
        tl::unexpect,
        ExchangeError{ExchangeFailure::Malformed, fmt::format("reply over TCP: {}", check.why)});
  Exchange out;
  out.reply = std::move(*check.reply);
  out.wire = std::move(reply);
  out.over_tcp = true;
  co_return out;
}

}  // namespace

asio::awaitable<tl::expected<Exchange, ExchangeError>> exchange(asio::any_io_executor executor,
                                                                ServerAddress server,
                                                                dns::Message query,
                                                                ExchangeOptions options) {
  const auto started = std::chrono::steady_clock::now();
  const std::uint16_t caller_id = query.header.id;
  auto finish = [&](Exchange& e) {
    e.reply.header.id = caller_id;
    e.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
  };
  if (query.question.size() != 1)
    co_return ExchangeResult(
        tl::unexpect, ExchangeError{ExchangeFailure::Network, "a query has exactly one question"});
  query.header.id = random_id();
  auto wire = dns::build_message(query);
  if (!wire)
    co_return ExchangeResult(tl::unexpect,
                             ExchangeError{ExchangeFailure::Network, wire.error().message});
  if (options.sign) *wire = options.sign(std::move(*wire));

  if (!options.tcp_only) {
    std::string malformed;
    auto accept = [&query, &malformed](std::span<const std::uint8_t> datagram) {
      auto check = check_reply(query, datagram);
      if (check.verdict == ReplyVerdict::Malformed) malformed = check.why;
      return check.verdict != ReplyVerdict::Ignore;
    };
    asio::ip::udp::endpoint peer(server.address, server.port);
    std::optional<asio::ip::udp::endpoint> source;
    if (options.source) source.emplace(*options.source, options.source_port);
    auto got = co_await net::udp_exchange(executor, peer, *wire, options.timeout, accept, 65535, source);
    if (!got) co_return ExchangeResult(tl::unexpect, from_net(got.error()));
    if (!malformed.empty())
      co_return ExchangeResult(tl::unexpect, ExchangeError{ExchangeFailure::Malformed, malformed});
    auto check = check_reply(query, *got);
    Exchange out;
    out.reply = std::move(*check.reply);
    out.wire = std::move(*got);
    if (!out.reply.header.tc || !options.tcp_on_truncation) {
      finish(out);
      co_return out;
    }
    // RFC 7766 §5: a truncated reply is asked again over TCP, with a new ID.
    query.header.id = random_id();
    wire = dns::build_message(query);
    if (!wire)
      co_return ExchangeResult(tl::unexpect,
                               ExchangeError{ExchangeFailure::Network, wire.error().message});
    if (options.sign) *wire = options.sign(std::move(*wire));
  }
  auto remaining = options.timeout;
  auto tcp = co_await exchange_tcp(executor, server, query, *wire, remaining, options);
  if (tcp) finish(*tcp);
  co_return tcp;
}

}  // namespace mxkit::resolver
