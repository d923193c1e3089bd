// The console's login sessions and UI routes (src/console/sessions, ui_routes), socket-free,
// over the real SQLite store in a temporary directory.
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "console/api.hpp"
#include "console/sessions.hpp"
#include "console/store.hpp"
#include "console/ui_assets.hpp"
#include "console/ui_http.hpp"
#include "console/ui_routes.hpp"

namespace mxkit::console {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const SystemTime t0 = std::chrono::sys_days{std::chrono::year{2026} / 12 / 5} + 17h;

TEST(ConsoleUiCrypto, Sha256MatchesTheFips180Vector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("").size(), 64u);
}

TEST(ConsoleUiCrypto, RandomTokensAreHexAndDistinct) {
  const auto a = random_hex(32), b = random_hex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{64}")));
}

TEST(ConsoleUiCrypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("key", "key"));
  EXPECT_FALSE(constant_time_equal("key", "kex"));
  EXPECT_FALSE(constant_time_equal("key", "key2"));
  EXPECT_FALSE(constant_time_equal("", "key"));
}

TEST(ConsoleUiCookies, FindsTheNamedCookie) {
  struct Case {
    const char* header;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"mxkit_session=abc", "abc"},
      {"a=1; mxkit_session=abc; b=2", "abc"},
      {"a=1;mxkit_session=abc", "abc"},
      {"mxkit_session=\"abc\"", "abc"},
      {"xmxkit_session=abc", std::nullopt},
      {"mxkit_sessionx=abc", std::nullopt},
      {"", std::nullopt},
      {";;=;", std::nullopt},
      {"mxkit_session=", ""},
  };
  for (const auto& c : cases)
    EXPECT_EQ(cookie_value(c.header, "mxkit_session"), c.want) << c.header;
}

TEST(ConsoleUiCookies, Rfc3339) { EXPECT_EQ(rfc3339_utc(t0 + 5s), "2026-12-05T17:00:05Z"); }

TEST(ConsoleUiLimiter, FiveFailuresAMinuteThenWait) {
  LoginLimiter limiter(5, 60s);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.retry_after("192.0.2.1", t0 + std::chrono::seconds(i)), 0s) << i;
    limiter.record_failure("192.0.2.1", t0 + std::chrono::seconds(i));
  }
  // The oldest failure (t0) leaves the window at t0+60 s.
  EXPECT_EQ(limiter.retry_after("192.0.2.1", t0 + 10s), 50s);
  EXPECT_EQ(limiter.retry_after("192.0.2.1", t0 + 59s + 500ms), 1s);
  EXPECT_EQ(limiter.retry_after("192.0.2.2", t0 + 10s), 0s) << "another address is not limited";
  EXPECT_EQ(limiter.retry_after("192.0.2.1", t0 + 60s), 0s);
}

TEST(ConsoleUiLimiter, SuccessClearsAndMemoryIsBounded) {
  LoginLimiter limiter(2, 60s, 3);
  limiter.record_failure("a", t0);
  limiter.record_success("a");
  limiter.record_failure("a", t0);
  EXPECT_EQ(limiter.retry_after("a", t0), 0s);
  limiter.record_failure("a", t0 + 1s);
  EXPECT_GT(limiter.retry_after("a", t0 + 1s), 0s);
  // Three more addresses: "a" (the stalest) is forgotten, the newest are kept.
  for (const char* c : {"b", "c", "d"}) {
    limiter.record_failure(c, t0 + 5s);
    limiter.record_failure(c, t0 + 5s);
  }
  EXPECT_EQ(limiter.retry_after("a", t0 + 6s), 0s);
  EXPECT_GT(limiter.retry_after("d", t0 + 6s), 0s);
}

class ConsoleSessions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mxkit-console-ui-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto store = open_store(dir_.string());
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    sessions_ =
        std::make_unique<Sessions>(*store_, std::vector<std::string>{"the-key", "second-key"});
  }
  void TearDown() override {
    sessions_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Sessions> sessions_;
};

TEST_F(ConsoleSessions, LoginStoresOnlyTheTokensHash) {
  EXPECT_EQ(sessions_->login("wrong", "192.0.2.1", t0).status, 401);
  EXPECT_EQ(sessions_->login("", "192.0.2.1", t0).status, 400);
  const auto ok = sessions_->login("the-key", "192.0.2.1", t0);
  ASSERT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(ok.token.size(), 64u);
  EXPECT_EQ(ok.csrf_token.size(), 64u);
  EXPECT_FALSE(store_->get_session(ok.token)) << "the token itself must not be a key in the store";
  const auto stored = store_->get_session(sha256_hex(ok.token));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->csrf_token, ok.csrf_token);
  EXPECT_EQ(stored->expires_at, "2026-12-06T05:00:00Z");
  EXPECT_TRUE(sessions_->find(ok.token, t0 + 1h));
}

TEST_F(ConsoleSessions, SessionsExpire) {
  const auto ok = sessions_->login("the-key", "c", t0);
  ASSERT_EQ(ok.status, 200);
  EXPECT_TRUE(sessions_->find(ok.token, t0 + 12h - 1s));
  EXPECT_FALSE(sessions_->find(ok.token, t0 + 12h));
  EXPECT_FALSE(store_->get_session(sha256_hex(ok.token))) << "an expired session is deleted";
}

TEST_F(ConsoleSessions, WritesNeedTheCsrfToken) {
  const auto ok = sessions_->login("the-key", "c", t0);
  ASSERT_EQ(ok.status, 200);
  const std::string cookie = "theme=dark; mxkit_session=" + ok.token;
  using R = SessionAuth::Result;
  EXPECT_EQ(sessions_->authenticate("GET", cookie, "", t0).result, R::ok);
  EXPECT_EQ(sessions_->authenticate("POST", cookie, "", t0).result, R::bad_csrf);
  EXPECT_EQ(sessions_->authenticate("DELETE", cookie, std::string(64, 'f'), t0).result,
            R::bad_csrf);
  const auto put = sessions_->authenticate("PUT", cookie, ok.csrf_token, t0);
  EXPECT_EQ(put.result, R::ok);
  EXPECT_EQ(put.actor, "ui-session:" + sha256_hex(ok.token).substr(0, 8));
  EXPECT_EQ(sessions_->authenticate("GET", "mxkit_session=" + std::string(64, '0'), "", t0).result,
            R::no_session);
  EXPECT_EQ(sessions_->authenticate("GET", "mxkit_session=../../x", "", t0).result, R::no_session);
  sessions_->logout(ok.token);
  EXPECT_EQ(sessions_->authenticate("GET", cookie, "", t0).result, R::no_session);
}

TEST_F(ConsoleSessions, TheLimitHoldsEvenForTheRightKey) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sessions_->login("wrong", "c", t0).status, 401);
  const auto limited = sessions_->login("the-key", "c", t0 + 1s);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.retry_after, 59s);
  EXPECT_EQ(sessions_->login("the-key", "other", t0 + 1s).status, 200);
  EXPECT_EQ(sessions_->login("the-key", "c", t0 + 61s).status, 200);
}

TEST_F(ConsoleSessions, CookieAttributes) {
  EXPECT_EQ(sessions_->set_cookie("abc", false),
            "mxkit_session=abc; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_EQ(sessions_->set_cookie("abc", true),
            "mxkit_session=abc; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(sessions_->set_cookie("", false),
            "mxkit_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict");
}

// A request with the fields given (g++ warns on designated initialisers that skip members).
UiRequest ui(std::string method, std::string path, std::string body = {}, std::string client = {},
             std::string cookie = {}, std::string if_none_match = {}) {
  UiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.client = std::move(client);
  r.cookie = std::move(cookie);
  r.if_none_match = std::move(if_none_match);
  return r;
}

std::string header(const UiResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST_F(ConsoleSessions, ServesTheEmbeddedFiles) {
  struct Case {
    const char* path;
    int status;
    const char* type;
  };
  const Case cases[] = {
      {"/", 200, "text/html; charset=utf-8"},
      {"/ui/app.js", 200, "text/javascript; charset=utf-8"},
      {"/ui/app.css", 200, "text/css; charset=utf-8"},
      {"/ui/nothing.js", 404, "application/json"},
      {"/ui/../console.db", 404, "application/json"},
  };
  for (const auto& c : cases) {
    const auto r = handle_ui(*sessions_, ui("GET", c.path), t0);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, c.status) << c.path;
    EXPECT_EQ(r->content_type, c.type) << c.path;
    EXPECT_NE(header(*r, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(header(*r, "X-Content-Type-Options"), "nosniff");
  }
  EXPECT_FALSE(handle_ui(*sessions_, ui("GET", "/api/v1/zones"), t0));
  const auto js = handle_ui(*sessions_, ui("GET", "/ui/app.js"), t0);
  EXPECT_EQ(header(*js, "Cache-Control"), "no-cache");
  const auto again =
      handle_ui(*sessions_, ui("GET", "/ui/app.js", "", "", "", header(*js, "ETag")), t0);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST(ConsoleUiAssets, NoInlineScriptAndNoHtmlFromData) {
  const auto* index = find_ui_asset("index.html");
  ASSERT_NE(index, nullptr);
  const std::string html(reinterpret_cast<const char*>(index->bytes.data()), index->bytes.size());
  // The CSP forbids inline script; the page must not need it.
  EXPECT_FALSE(std::regex_search(html, std::regex("<script(?![^>]*\\bsrc=)[^>]*>")));
  EXPECT_FALSE(std::regex_search(html, std::regex("\\son[a-z]+\\s*=", std::regex::icase)));
  // Every form field has a label.
  const std::regex id_re("<(input|select|textarea)[^>]*\\bid=\"([^\"]+)\"[^>]*>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), id_re);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[0].str().find("type=\"hidden\"") != std::string::npos) continue;
    EXPECT_NE(html.find("<label for=\"" + (*it)[2].str() + "\""), std::string::npos) << (*it)[2];
  }
  const auto* js = find_ui_asset("app.js");
  ASSERT_NE(js, nullptr);
  const std::string script(reinterpret_cast<const char*>(js->bytes.data()), js->bytes.size());
  // Values reach the page as text: no HTML parsing of strings anywhere in the app.
  for (const char* sink : {".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write"}) {
    EXPECT_EQ(script.find(sink), std::string::npos) << sink;
  }
}

TEST_F(ConsoleSessions, LoginRoutes) {
  UiRequest login = ui("POST", "/ui/login", R"({"api_key":"the-key"})", "192.0.2.7");
  auto r = handle_ui(*sessions_, login, t0);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto csrf = nlohmann::json::parse(r->body).at("csrf_token").get<std::string>();
  const std::string set_cookie = header(*r, "Set-Cookie");
  EXPECT_NE(set_cookie.find("; HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);
  EXPECT_EQ(header(*r, "Cache-Control"), "no-store");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  login.tls = true;
  EXPECT_NE(header(*handle_ui(*sessions_, login, t0), "Set-Cookie").find("; Secure"),
            std::string::npos);

  UiRequest session = ui("GET", "/ui/session", "", "", cookie);
  r = handle_ui(*sessions_, session, t0);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body).at("csrf_token"), csrf);
  EXPECT_EQ(handle_ui(*sessions_, ui("GET", "/ui/session"), t0)->status, 401);

  r = handle_ui(*sessions_, ui("POST", "/ui/logout", "", "", cookie), t0);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(header(*r, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(handle_ui(*sessions_, session, t0)->status, 401);

  for (const char* body : {"", "[]", "{", R"({"api_key": 5})", R"({"key":"the-key"})"}) {
    EXPECT_EQ(handle_ui(*sessions_, ui("POST", "/ui/login", body, "x"), t0)->status, 400) << body;
  }
  EXPECT_EQ(handle_ui(*sessions_, ui("GET", "/ui/login"), t0)->status, 405);
  UiRequest wrong = ui("POST", "/ui/login", R"({"api_key":"nope"})", "192.0.2.9");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(handle_ui(*sessions_, wrong, t0)->status, 401);
  r = handle_ui(*sessions_, wrong, t0 + 2s);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(header(*r, "Retry-After"), "58");
}

// The session cookie as a way into /api/v1 (Api::set_session_authenticator), end to end over
// the real API and store: reads with the cookie alone, writes only with the CSRF token.
TEST_F(ConsoleSessions, TheApiTakesTheCookieAndWantsTheCsrfTokenForWrites) {
  ApiOptions options;
  options.api_keys = {"the-key"};
  Api api(*store_, nullptr, options);
  api.set_session_authenticator(session_authenticator(*sessions_));
  const auto ui = ui_handler(*sessions_, false);

  ApiRequest login;
  login.method = "POST";
  login.path = "/ui/login";
  login.body = R"({"api_key":"second-key"})";
  login.client = "192.0.2.3";
  const auto logged_in = ui(login);
  ASSERT_TRUE(logged_in);
  ASSERT_EQ(logged_in->status, 200) << logged_in->body;
  const auto csrf = nlohmann::json::parse(logged_in->body).at("csrf_token").get<std::string>();
  const std::string set_cookie = header(
      UiResponse{logged_in->status, logged_in->content_type, logged_in->body, logged_in->headers},
      "Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  auto call = [&](std::string method, std::string path, std::string body, std::string token) {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers["cookie"] = cookie;
    if (!token.empty()) r.headers["x-csrf-token"] = std::move(token);
    return api.handle(r);
  };
  const std::string zone = R"({"name":"example.test","ns":["ns1.example.net."]})";
  EXPECT_EQ(call("GET", "/api/v1/zones", "", "").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/zones", zone, "").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/zones", zone, std::string(64, '0')).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/zones/example.test", "", "").status, 404) << "nothing was made";
  const auto made = call("POST", "/api/v1/zones", zone, csrf);
  EXPECT_EQ(made.status, 201) << made.body;
  const auto audit = call("GET", "/api/v1/zones/example.test/audit", "", "");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("ui-session:"), std::string::npos) << audit.body;

  ApiRequest logout;
  logout.method = "POST";
  logout.path = "/ui/logout";
  logout.headers["cookie"] = cookie;
  EXPECT_EQ(ui(logout)->status, 200);
  EXPECT_EQ(call("GET", "/api/v1/zones", "", "").status, 401);
  ApiRequest other;
  other.method = "GET";
  other.path = "/api/v1/zones";
  EXPECT_FALSE(ui(other)) << "API paths are the API's";
}

}  // namespace
}  // namespace mxkit::console
