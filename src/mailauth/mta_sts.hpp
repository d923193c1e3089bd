// MTA-STS (RFC 8461) without sockets: the policy file of §3.2, the HTTP response that carries it
// (§3.3: status 200, no redirect, text/plain, a size limit) and MX pattern matching (§4.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mxkit::mailauth {

// RFC 8461 §3.2: the largest max_age (one year of 365.25 days).
constexpr std::uint32_t kMtaStsMaxAge = 31'557'600;
// RFC 8461 §3.3: the suggested limit on a policy body.
constexpr std::size_t kMtaStsMaxBody = 64 * 1024;

enum class MtaStsMode : std::uint8_t { Enforce, Testing, None };
std::string_view mta_sts_mode_name(MtaStsMode mode);  // "enforce", "testing", "none"

struct MtaStsPolicy {
  MtaStsMode mode = MtaStsMode::None;
  std::uint32_t max_age = 0;
  std::vector<std::string>
      mx;  // patterns as written, lower-cased: "mail.example.com", "*.example.net"
  std::vector<std::string> warnings;  // legal but doubtful: "max_age 0 ..."
};

// Parses a policy body: "key: value" lines ended by LF or CRLF. version (STSv1), mode and
// max_age are required, the first of each counts (§3.2); mx is required unless mode is none;
// unknown keys are ignored. Errors name the line: "line 3: mode \"strict\" is not ...".
core::Result<MtaStsPolicy> parse_mta_sts_policy(std::string_view text);

// RFC 8461 §4.1 (RFC 6125 rules): "*.example.net" matches exactly one label before example.net;
// other patterns match the whole name. Case-insensitive; a trailing dot on either is ignored.
bool mta_sts_mx_matches(std::string_view pattern, std::string_view host);

// The parts of an HTTP/1.x response the policy fetch needs.
struct HttpResponse {
  unsigned status = 0;       // 200
  std::string reason;        // "OK"
  std::string content_type;  // the Content-Type field as sent, empty if none
  std::string location;      // a redirect's Location, when sent
  std::string body;          // de-chunked
};

// Reads a whole response (the connection closed after it): status line, header fields, and the
// body by Content-Length, chunked transfer coding, or up to the end. A body longer than
// `max_body` is an error, as is a malformed status line, field or chunk.
core::Result<HttpResponse> parse_http_response(std::string_view bytes,
                                               std::size_t max_body = kMtaStsMaxBody);

// RFC 8461 §3.3 on a fetched response: 200 only (a 3xx is reported as a redirect not followed),
// media type text/plain; the policy body when it is acceptable.
core::Result<std::string> policy_body(const HttpResponse& response);

}  // namespace mxkit::mailauth
