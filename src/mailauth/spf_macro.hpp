// SPF macro expansion (RFC 7208 §7): socket-free; the one value that needs DNS, the validated
// client name %{p}, is looked up by the evaluator beforehand and handed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <asio/ip/address.hpp>
#include <tl/expected.hpp>

#include "mailauth/spf_record.hpp"

namespace mxkit::mailauth {

struct SpfMacroContext {
  std::string sender;         // %{s}: "local@domain" (local part "postmaster" when it was empty)
  std::string local_part;     // %{l}
  std::string sender_domain;  // %{o}
  std::string domain;         // %{d}: the current domain
  asio::ip::address ip;       // %{i}, %{c}, %{v}
  std::string helo;           // %{h}
  std::string receiver = "unknown";           // %{r} (explanations only)
  std::int64_t timestamp = 0;                 // %{t} (explanations only)
  std::optional<std::string> validated_name;  // %{p}; nullopt: "unknown"
};

// Whether the macro-string uses %{p}, so the evaluator knows to do the PTR validation first.
bool uses_ptr_macro(std::string_view macro_string);

// Checks the syntax of a macro-string (RFC 7208 §7.1); `explanation` allows c, r, t, which
// only explanation strings may use (§7.2). The error position is relative to the string.
std::optional<SpfSyntaxError> check_macro_string(std::string_view text, bool explanation);

// Whether a (valid) macro-string ends with a macro-expand: "%{...}", "%%", "%_" or "%-" (a
// domain-spec may end so instead of with "." toplabel, RFC 7208 §7.1).
bool ends_with_macro(std::string_view macro_string);

// Expands a macro-string; `explanation` as above. For a domain-spec the caller applies the
// 253-octet truncation of §7.3 with truncate_domain().
tl::expected<std::string, SpfSyntaxError> expand_macros(std::string_view text,
                                                        const SpfMacroContext& context,
                                                        bool explanation);

// RFC 7208 §7.3: left-hand labels are dropped until the name fits in 253 octets.
std::string truncate_domain(std::string name);

// The reverse-lookup name of an address: "4.3.2.1.in-addr.arpa" or the nibbles of ip6.arpa
// (the "ir" form of %{i}, RFC 7208 §7.3), without the trailing dot.
std::string reverse_name(const asio::ip::address& ip);

}  // namespace mxkit::mailauth
