// The web UI's own routes (issue 13, "Web UI"): GET / and GET /ui/<file> serve the embedded
// files; POST /ui/login, POST /ui/logout and GET /ui/session manage the login session.
// Socket-free: the HTTP server copies the request in and the response out.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "console/sessions.hpp"

namespace mxkit::console {

struct UiRequest {
  std::string method;  // "GET", "POST", …
  std::string path;    // without the query
  std::string cookie;  // the Cookie header, or empty
  std::string if_none_match;
  std::string body;
  std::string client;  // the peer's address, for the login attempt limit
  bool tls = false;    // the cookie gets Secure under TLS
};

struct UiResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The headers every UI response carries: a Content-Security-Policy that allows scripts and
// styles from this origin only (no inline script, so an injected <script> or onerror= does not
// run even if some value were ever written as HTML), no sniffing, no framing, no referrer.
std::vector<std::pair<std::string, std::string>> ui_security_headers();

// The response for a UI path, or nullopt when `request.path` is not one (the caller goes on to
// /api/v1 or answers 404).
std::optional<UiResponse> handle_ui(Sessions& sessions, const UiRequest& request, SystemTime now);

}  // namespace mxkit::console
