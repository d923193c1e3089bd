#include "console/ui_routes.hpp"

#include <map>
#include <string_view>

#include <nlohmann/json.hpp>

#include "console/ui_assets.hpp"

namespace mxkit::console {
namespace {

using nlohmann::json;

UiResponse json_response(int status, const json& body) {
  UiResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  r.headers = ui_security_headers();
  // Session answers carry the CSRF token: never cached anywhere.
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

UiResponse error_response(int status, std::string message, std::string field = {}) {
  json body = {{"error", std::move(message)}};
  if (!field.empty()) body["field"] = std::move(field);
  return json_response(status, body);
}

// A strong validator per file: the files are fixed for the binary's life, so the hash of each
// is computed once.
const std::string& etag_of(const UiAsset& asset) {
  static const std::map<std::string_view, std::string> etags = [] {
    std::map<std::string_view, std::string> m;
    for (const auto& a : ui_assets()) {
      const std::string_view text(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size());
      m.emplace(a.name, "\"" + sha256_hex(text).substr(0, 32) + "\"");
    }
    return m;
  }();
  return etags.at(asset.name);
}

UiResponse serve_asset(const UiAsset& asset, const UiRequest& request) {
  UiResponse r;
  r.headers = ui_security_headers();
  // no-cache: the browser may keep a copy but asks each time (a 304 is cheap), so a new binary's
  // UI is never mixed with an old one's cached script.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", etag_of(asset));
  if (!request.if_none_match.empty() && request.if_none_match == etag_of(asset)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.content_type = std::string(asset.content_type);
  r.body.assign(reinterpret_cast<const char*>(asset.bytes.data()), asset.bytes.size());
  return r;
}

UiResponse login(Sessions& sessions, const UiRequest& request, SystemTime now) {
  const json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return error_response(400, "the body is not a JSON object");
  }
  const auto key = body.find("api_key");
  if (key == body.end() || !key->is_string()) {
    return error_response(400, "api_key (a string) is required", "api_key");
  }
  const LoginOutcome outcome = sessions.login(key->get<std::string>(), request.client, now);
  if (outcome.status != 200) {
    UiResponse r = error_response(outcome.status, outcome.error,
                                  outcome.status == 429 ? std::string{} : "api_key");
    if (outcome.status == 429) {
      r.headers.emplace_back("Retry-After", std::to_string(outcome.retry_after.count()));
    }
    return r;
  }
  UiResponse r = json_response(200, {{"csrf_token", outcome.csrf_token}});
  r.headers.emplace_back("Set-Cookie", sessions.set_cookie(outcome.token, request.tls));
  return r;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ui_security_headers() {
  return {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
  };
}

std::optional<UiResponse> handle_ui(Sessions& sessions, const UiRequest& request, SystemTime now) {
  const std::string_view path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/" || path == "/index.html") {
    if (!get) return error_response(405, "use GET");
    return serve_asset(*find_ui_asset("index.html"), request);
  }
  if (path == "/ui/login") {
    if (request.method != "POST") return error_response(405, "use POST");
    return login(sessions, request, now);
  }
  if (path == "/ui/logout") {
    if (request.method != "POST") return error_response(405, "use POST");
    const auto token = cookie_value(request.cookie, kSessionCookie);
    if (token) sessions.logout(*token);
    UiResponse r = json_response(200, json::object());
    r.headers.emplace_back("Set-Cookie", sessions.set_cookie("", request.tls));
    return r;
  }
  if (path == "/ui/session") {
    if (!get) return error_response(405, "use GET");
    const auto token = cookie_value(request.cookie, kSessionCookie);
    const auto session = token ? sessions.find(*token, now) : std::nullopt;
    if (!session) return error_response(401, "not logged in");
    return json_response(200, {{"csrf_token", session->csrf_token}});
  }
  if (path.starts_with("/ui/")) {
    const auto* asset = find_ui_asset(path.substr(4));
    if (asset == nullptr) return error_response(404, "no such UI file");
    if (!get) return error_response(405, "use GET");
    return serve_asset(*asset, request);
  }
  return std::nullopt;
}

}  // namespace mxkit::console
