// libFuzzer target: any text as an SPF macro-string (RFC 7208 §7), first byte choosing domain
// or explanation rules and the client address family. The syntax check and the expansion
// agree; an expansion that succeeds holds only what the macros and literals allow.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mailauth/spf_macro.hpp"

using mxkit::fuzzing::check;
using namespace mxkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool explanation = (data[0] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  mailauth::SpfMacroContext c;
  c.sender = "some-one+tag@sub.example.com";
  c.local_part = "some-one+tag";
  c.sender_domain = "sub.example.com";
  c.domain = "sub.example.com";
  c.ip = asio::ip::make_address((data[0] & 2) ? "2001:db8::cb01" : "192.0.2.3");
  c.helo = "mx.example.org";
  c.timestamp = 1;
  if (data[0] & 4) c.validated_name = "mx.example.org";
  const auto syntax = mailauth::check_macro_string(text, explanation);
  const auto expanded = mailauth::expand_macros(text, c, explanation);
  check(syntax.has_value() == !expanded.has_value());
  if (syntax) {
    check(syntax->position < text.size() + 1 && !syntax->message.empty());
    check(syntax->position == expanded.error().position);
    return 0;
  }
  if (mailauth::uses_ptr_macro(text))
    check(text.find("%{p") != std::string_view::npos || text.find("%{P") != std::string_view::npos);
  const auto truncated = mailauth::truncate_domain(*expanded);
  check(truncated.size() <= 253 || truncated.find('.') == std::string::npos);
  check(expanded->size() >= truncated.size());
  check(expanded->compare(expanded->size() - truncated.size(), truncated.size(), truncated) == 0);
  return 0;
}
