// "IP", "IP:PORT" and "[IPv6]:PORT" as operators write them on command lines and in configs.
#pragma once

#include <cstdint>
#include <string_view>

#include <asio/ip/address.hpp>

#include "core/result.hpp"

namespace mxkit::net {

struct Endpoint {
  asio::ip::address address;
  std::uint16_t port = 0;
};

// A bare IPv6 address (more than one ':') has no port; one with a port is written in brackets.
// A bare IPv6 address whose last group could be a port ("::1:5306") is refused as ambiguous,
// the error showing both bracketed forms.
// `default_port` when the text gives none. Errors quote the text: "bad port \"0\"".
core::Result<Endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port);

}  // namespace mxkit::net
