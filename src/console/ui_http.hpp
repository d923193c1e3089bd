// How the web UI joins the API and its HTTP server: the session cookie as a second way into
// /api/v1 (Api::set_session_authenticator), and the UI's routes beside the API
// (HttpServerOptions::other). Socket-free like both sides.
#pragma once

#include <functional>
#include <optional>

#include "console/api.hpp"
#include "console/sessions.hpp"

namespace mxkit::console {

// The cookie and X-CSRF-Token rule of Sessions::authenticate, in the API's terms: a principal,
// 403 for a write without the session's token, 401 for no session.
Api::SessionAuthenticator session_authenticator(Sessions& sessions);

// GET /, GET /ui/<file>, POST /ui/login, POST /ui/logout, GET /ui/session; nullopt for any
// other path. `tls`: the server runs TLS, so the cookie gets Secure.
std::function<std::optional<ApiResponse>(const ApiRequest&)> ui_handler(Sessions& sessions,
                                                                        bool tls);

}  // namespace mxkit::console
