// One DNS query to one server and its reply, checked against the query (RFC 5452): random ID
// and source port, reply from the address asked, same ID and question. UDP with TCP on TC
// (RFC 7766), or TCP only. Used by the resolver and, directly, by `mxkit dig`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/any_io_executor.hpp>

#include "core/result.hpp"
#include "dns/message.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::resolver {

struct ExchangeOptions {
  std::chrono::milliseconds timeout{1500};
  bool tcp_only = false;      // dig +tcp, or a retry after TC
  bool tcp_on_truncation = true;
  std::optional<asio::ip::address> source;  // the local address to send from (dig -b)
  std::uint16_t source_port = 0;            // with `source`: 0 lets the kernel choose
  // Applied to each query's wire form before it is sent (dig -y: a TSIG signature, RFC 8945).
  std::function<std::vector<std::uint8_t>(std::vector<std::uint8_t>)> sign;
};

struct Exchange {
  dns::Message reply;
  std::vector<std::uint8_t> wire;  // the reply as received
  bool over_tcp = false;
  std::chrono::microseconds elapsed{0};
};

enum class ExchangeFailure : std::uint8_t { Timeout, Unreachable, Malformed, Network };
struct ExchangeError {
  ExchangeFailure failure;
  std::string message;  // "timeout after 1500 ms", "connection refused", "reply: FORMERR ..."
};

// Sends `query` (its ID is replaced by a random one and restored in the returned reply's
// header, so callers can build queries with any ID) to `server`.
asio::awaitable<tl::expected<Exchange, ExchangeError>> exchange(asio::any_io_executor executor,
                                                               ServerAddress server,
                                                               dns::Message query,
                                                               ExchangeOptions options);

}  // namespace mxkit::resolver
