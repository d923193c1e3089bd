// Parsing "IP[:PORT]" (see endpoint.hpp).
#include "net/endpoint.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include <fmt/format.h>

namespace mxkit::net {

namespace {

// "::1:5306" is a valid IPv6 address, but an operator who writes it almost always means ::1
// port 5306: when the text before the last ':' is itself an address and the last group is
// decimal, the error says how to write either meaning.
std::optional<std::string> ambiguous_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || std::count(text.begin(), text.end(), ':') < 2)
    return std::nullopt;
  const auto port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::error_code ec;
  const auto host = text.substr(0, colon);
  asio::ip::make_address_v6(std::string(host), ec);
  if (ec) return std::nullopt;
  return fmt::format(
      "\"{}\" is ambiguous: write IPv6 with a port as [{}]:{} (or [{}] for that address on the "
      "default port)",
      text, host, port, text);
}

}  // namespace

core::Result<Endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port) {
  std::string_view host = text, port;
  bool port_given = false;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return core::fail(fmt::format("missing ']' in \"{}\"", text));
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return core::fail(fmt::format("expected ':' after ']' in \"{}\"", text));
      port = rest.substr(1);
      port_given = true;
    }
  } else if (auto ambiguous = ambiguous_port(text)) {
    return core::fail(*ambiguous);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {  // more than one: bare IPv6
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    port_given = true;
  }
  Endpoint out;
  out.port = default_port;
  std::error_code ec;
  out.address = asio::ip::make_address(std::string(host), ec);
  if (ec || host.empty()) return core::fail(fmt::format("\"{}\" is not an IP address", host));
  if (port_given) {
    if (port.empty()) return core::fail(fmt::format("missing port after ':' in \"{}\"", text));
    unsigned value = 0;
    const auto [ptr, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (err != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535)
      return core::fail(fmt::format("bad port \"{}\"", port));
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace mxkit::net
