#include "console/sessions.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/encoding.hpp"

namespace mxkit::console {

std::string sha256_hex(std::string_view text) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  std::string out;
  core::append_hex(std::span<const std::uint8_t>(digest.data(), length), out, false);
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> buffer(bytes);
  // A session token that could be guessed is a login: no fallback to a weaker generator.
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    throw std::runtime_error("OpenSSL's random generator failed");
  }
  std::string out;
  core::append_hex(buffer, out, false);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Compare digests, so the lengths (which differ for most guesses) leak nothing either.
  const std::string da = sha256_hex(a), db = sha256_hex(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  // RFC 6265 §4.2.1: cookie-pair *( ";" SP cookie-pair ); be lenient about the spaces.
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string rfc3339_utc(SystemTime at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

LoginLimiter::LoginLimiter(int max_failures, std::chrono::seconds window, std::size_t max_clients)
    : max_failures_(std::max(1, max_failures)), window_(window), max_clients_(max_clients) {}

void LoginLimiter::prune(Failures& f, SystemTime now) const {
  const auto cutoff = now - window_;
  f.at.erase(f.at.begin(),
             std::find_if(f.at.begin(), f.at.end(), [&](SystemTime t) { return t > cutoff; }));
}

std::chrono::seconds LoginLimiter::retry_after(const std::string& client, SystemTime now) {
  const auto it = clients_.find(client);
  if (it == clients_.end()) return std::chrono::seconds(0);
  prune(it->second, now);
  if (static_cast<int>(it->second.at.size()) < max_failures_) {
    if (it->second.at.empty()) clients_.erase(it);
    return std::chrono::seconds(0);
  }
  // Free again once the oldest counted failure is older than the window; round up so a
  // client that honours Retry-After is never refused once more.
  const auto wait = it->second.at.front() + window_ - now;
  const auto secs = std::chrono::ceil<std::chrono::seconds>(wait);
  return std::max(secs, std::chrono::seconds(1));
}

void LoginLimiter::record_failure(const std::string& client, SystemTime now) {
  if (!clients_.contains(client) && clients_.size() >= max_clients_) {
    // Drop the address whose last failure is oldest: a flood of new addresses costs bounded
    // memory and forgets only the least recent offenders.
    auto stalest = clients_.begin();
    for (auto it = clients_.begin(); it != clients_.end(); ++it) {
      const auto last = [](const Failures& f) { return f.at.empty() ? SystemTime{} : f.at.back(); };
      if (last(it->second) < last(stalest->second)) stalest = it;
    }
    clients_.erase(stalest);
  }
  auto& f = clients_[client];
  prune(f, now);
  f.at.push_back(now);
  // Only the newest max_failures_ matter for the decision.
  if (static_cast<int>(f.at.size()) > max_failures_) {
    f.at.erase(f.at.begin(), f.at.end() - max_failures_);
  }
}

void LoginLimiter::record_success(const std::string& client) { clients_.erase(client); }

Sessions::Sessions(Store& store, std::vector<std::string> api_keys, SessionsConfig config)
    : store_(store),
      api_keys_(std::move(api_keys)),
      config_(config),
      limiter_(config.max_login_failures, config.failure_window) {}

LoginOutcome Sessions::login(std::string_view presented_key, const std::string& client,
                             SystemTime now) {
  std::lock_guard lock(mutex_);
  LoginOutcome out;
  if (const auto wait = limiter_.retry_after(client, now); wait.count() > 0) {
    out.status = 429;
    out.retry_after = wait;
    out.error =
        fmt::format("too many failed logins from this address; try again in {} s", wait.count());
    return out;
  }
  if (presented_key.empty()) {
    out.status = 400;
    out.error = "api_key is required";
    return out;
  }
  bool matches = false;
  for (const auto& key : api_keys_) {
    // Every key is compared, so the time taken does not tell which one came close.
    if (!key.empty() && constant_time_equal(presented_key, key)) matches = true;
  }
  if (!matches) {
    limiter_.record_failure(client, now);
    out.status = 401;
    out.error = "wrong API key";
    return out;
  }
  limiter_.record_success(client);
  Session session;
  out.token = random_hex(32);
  session.token_hash = sha256_hex(out.token);
  session.csrf_token = random_hex(32);
  session.expires_at = rfc3339_utc(now + config_.lifetime);
  if (now - last_sweep_ > std::chrono::minutes(10)) {
    // Expired rows go now and then, not on every login.
    last_sweep_ = now;
    (void)store_.delete_expired_sessions(rfc3339_utc(now));
  }
  if (auto stored = store_.put_session(session); !stored) {
    out.status = 500;
    out.token.clear();
    out.error = "could not store the session: " + stored.error().message;
    return out;
  }
  out.status = 200;
  out.csrf_token = session.csrf_token;
  return out;
}

std::optional<Session> Sessions::find(std::string_view token, SystemTime now) {
  std::lock_guard lock(mutex_);
  return find_locked(token, now);
}

std::optional<Session> Sessions::find_locked(std::string_view token, SystemTime now) {
  // A token is 64 hex digits; anything else cannot be one of ours (and is not hashed and looked
  // up).
  if (token.size() != 64 ||
      !std::all_of(token.begin(), token.end(), [](char c) { return core::hex_value(c) >= 0; })) {
    return std::nullopt;
  }
  const std::string hash = sha256_hex(token);
  auto session = store_.get_session(hash);
  if (!session) return std::nullopt;
  // RFC 3339 UTC strings of one fixed format order as text does.
  if (session->expires_at <= rfc3339_utc(now)) {
    (void)store_.delete_session(hash);
    return std::nullopt;
  }
  return *std::move(session);
}

void Sessions::logout(std::string_view token) {
  if (token.empty()) return;
  std::lock_guard lock(mutex_);
  (void)store_.delete_session(sha256_hex(token));
}

SessionAuth Sessions::authenticate(std::string_view method, std::string_view cookie_header,
                                   std::string_view csrf_header, SystemTime now) {
  SessionAuth auth;
  const auto token = cookie_value(cookie_header, kSessionCookie);
  if (!token) return auth;
  std::lock_guard lock(mutex_);
  const auto session = find_locked(*token, now);
  if (!session) return auth;
  const bool safe = method == "GET" || method == "HEAD";
  if (!safe && (csrf_header.empty() || !constant_time_equal(csrf_header, session->csrf_token))) {
    auth.result = SessionAuth::Result::bad_csrf;
    return auth;
  }
  auth.result = SessionAuth::Result::ok;
  auth.actor = "ui-session:" + session->token_hash.substr(0, 8);
  return auth;
}

std::string Sessions::set_cookie(std::string_view token, bool secure) const {
  // RFC 6265 §4.1: HttpOnly keeps the token from scripts (an XSS cannot steal it); SameSite=Strict
  // keeps it off cross-site requests; Secure under TLS. An empty token clears the cookie.
  const auto max_age = token.empty() ? std::chrono::seconds(0) : config_.lifetime;
  return fmt::format("{}={}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{}", kSessionCookie,
                     token, max_age.count(), secure ? "; Secure" : "");
}

}  // namespace mxkit::console
