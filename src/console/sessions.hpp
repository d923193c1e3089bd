// The web UI's login sessions (issue 13, "Security"): the browser trades the API key once for a
// session cookie (HttpOnly, SameSite=Strict) and a CSRF token that every write repeats in the
// X-CSRF-Token header. The store keeps only the SHA-256 of a session token, so a copy of the
// store does not log anyone in. Socket-free: the HTTP server hands in the header values and the
// client address and sends back what these functions decide.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "console/store.hpp"

namespace mxkit::console {

using SystemTime = std::chrono::system_clock::time_point;

inline constexpr std::string_view kSessionCookie = "mxkit_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// SHA-256 of `text`, lowercase hex (64 characters).
std::string sha256_hex(std::string_view text);
// `bytes` bytes from OpenSSL's CSPRNG, lowercase hex (2 × bytes characters).
std::string random_hex(std::size_t bytes);
// Equality that takes the same time wherever the strings differ (keys and tokens are compared
// with it, so the time of a refusal says nothing about how much of a guess was right).
bool constant_time_equal(std::string_view a, std::string_view b);
// The value of cookie `name` in a Cookie header ("a=1; mxkit_session=…"), if present.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);
// RFC 3339 UTC with seconds ("2026-12-05T17:20:00Z"); the store compares these as text.
std::string rfc3339_utc(SystemTime at);

// Failed logins per client address (issue 13: "login attempt limit"): after `max_failures`
// failures within `window`, that address waits until the oldest of them leaves the window. A
// success clears the address. Memory is bounded: at most `max_clients` addresses are tracked,
// the stalest dropped first.
class LoginLimiter {
 public:
  LoginLimiter(int max_failures, std::chrono::seconds window, std::size_t max_clients = 10000);
  // 0 s when `client` may try now; otherwise how long until it may (for Retry-After).
  std::chrono::seconds retry_after(const std::string& client, SystemTime now);
  void record_failure(const std::string& client, SystemTime now);
  void record_success(const std::string& client);

 private:
  struct Failures {
    std::vector<SystemTime> at;  // within the window, oldest first
  };
  void prune(Failures& f, SystemTime now) const;
  int max_failures_;
  std::chrono::seconds window_;
  std::size_t max_clients_;
  std::unordered_map<std::string, Failures> clients_;
};

struct SessionsConfig {
  std::chrono::seconds lifetime = std::chrono::hours(12);
  int max_login_failures = 5;
  std::chrono::seconds failure_window = std::chrono::minutes(1);
};

// What POST /ui/login decided. status: 200 (token and csrf_token set), 400 (no key given),
// 401 (wrong key), 429 (too many failures: retry_after set), 500 (the store failed).
struct LoginOutcome {
  int status = 500;
  std::string token;  // the cookie's value: only in this answer, never stored
  std::string csrf_token;
  std::chrono::seconds retry_after{0};
  std::string error;
};

// Who made an /api/v1 request, as the API's authentication sees it.
struct SessionAuth {
  enum class Result { ok, no_session, bad_csrf } result = Result::no_session;
  std::string actor;  // "ui-session:<first 8 of the token hash>" when ok
};

class Sessions {
 public:
  // Any thread may call any member: the HTTP server's threads share one Sessions.
  // A login with any of `api_keys` (the API's keys, read_api_keys) opens a session.
  Sessions(Store& store, std::vector<std::string> api_keys, SessionsConfig config = {});

  LoginOutcome login(std::string_view presented_key, const std::string& client, SystemTime now);
  // The live session of `token`, if any (an expired one is deleted on sight).
  std::optional<Session> find(std::string_view token, SystemTime now);
  void logout(std::string_view token);

  // The rule for /api/v1 with a cookie instead of X-API-Key: the session must be live, and a
  // request that is not GET or HEAD must carry X-CSRF-Token equal to the session's token. A
  // cross-site page can make the browser send the cookie (SameSite=Strict aside) but cannot
  // read the token, so it cannot forge a write.
  SessionAuth authenticate(std::string_view method, std::string_view cookie_header,
                           std::string_view csrf_header, SystemTime now);

  // The Set-Cookie value that creates (`token` non-empty) or clears the session cookie.
  std::string set_cookie(std::string_view token, bool secure) const;

  const SessionsConfig& config() const { return config_; }

 private:
  std::optional<Session> find_locked(std::string_view token, SystemTime now);

  std::mutex mutex_;
  Store& store_;
  std::vector<std::string> api_keys_;
  SessionsConfig config_;
  LoginLimiter limiter_;
  SystemTime last_sweep_{};
};

}  // namespace mxkit::console
