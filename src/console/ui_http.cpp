#include "console/ui_http.hpp"

#include "console/ui_routes.hpp"

namespace mxkit::console {
namespace {

std::string header(const ApiRequest& request, const std::string& lowercase_name) {
  const auto it = request.headers.find(lowercase_name);
  return it == request.headers.end() ? std::string{} : it->second;
}

}  // namespace

Api::SessionAuthenticator session_authenticator(Sessions& sessions) {
  return [&sessions](const ApiRequest& request) {
    AuthOutcome out;
    const auto auth =
        sessions.authenticate(request.method, header(request, "cookie"),
                              header(request, "x-csrf-token"), std::chrono::system_clock::now());
    switch (auth.result) {
      case SessionAuth::Result::ok: out.principal = Principal{auth.actor}; break;
      case SessionAuth::Result::bad_csrf:
        out.status = 403;
        out.error = "this write needs the session's CSRF token in the header X-CSRF-Token";
        break;
      case SessionAuth::Result::no_session:
        out.status = 401;
        out.error = "authentication required: send the header X-API-Key or log in";
        break;
    }
    return out;
  };
}

std::function<std::optional<ApiResponse>(const ApiRequest&)> ui_handler(Sessions& sessions,
                                                                        bool tls) {
  return [&sessions, tls](const ApiRequest& request) -> std::optional<ApiResponse> {
    UiRequest ui;
    ui.method = request.method;
    ui.path = request.path;
    ui.cookie = header(request, "cookie");
    ui.if_none_match = header(request, "if-none-match");
    ui.body = request.body;
    ui.client = request.client;
    ui.tls = tls;
    auto answer = handle_ui(sessions, ui, std::chrono::system_clock::now());
    if (!answer) return std::nullopt;
    ApiResponse out;
    out.status = answer->status;
    out.body = std::move(answer->body);
    out.content_type = std::move(answer->content_type);
    out.headers = std::move(answer->headers);
    return out;
  };
}

}  // namespace mxkit::console
