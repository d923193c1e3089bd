// The API's front: authentication, routing, metrics. The zone and record handlers are in
// api_zones.cpp and api_changes.cpp.
#include "console/api.hpp"

#include <array>
#include <fstream>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "console/api_json.hpp"
#include "core/log.hpp"

namespace mxkit::console {
namespace {

using api_json::error;
using api_json::json;

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &length, EVP_sha256(), nullptr);
  return out;
}

// Compares the digests, not the keys: the time taken depends neither on where the first
// difference is nor on the keys' lengths, so a client cannot find a key byte by byte.
bool key_matches(std::string_view given, const std::vector<std::string>& keys) {
  const auto digest = sha256(given);
  bool match = false;
  for (const auto& key : keys) {
    const auto want = sha256(key);
    match |= CRYPTO_memcmp(digest.data(), want.data(), digest.size()) == 0;
  }
  return match;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

ApiResponse not_allowed(std::string allow) {
  auto r = error(405, "method not allowed here");
  r.headers.emplace_back("Allow", std::move(allow));
  return r;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

}  // namespace

Api::Api(Store& store, ZonePublisher* publisher, ApiOptions options)
    : store_(store), publisher_(publisher), options_(std::move(options)) {}

void Api::set_session_authenticator(SessionAuthenticator authenticator) {
  session_authenticator_ = std::move(authenticator);
}

void Api::add_zone_endpoint(std::string method, std::string name, ZoneEndpoint endpoint) {
  zone_endpoints_[{std::move(method), std::move(name)}] = std::move(endpoint);
}

AuthOutcome Api::authenticate(const ApiRequest& request) const {
  AuthOutcome out;
  if (const auto it = request.headers.find("x-api-key"); it != request.headers.end()) {
    if (key_matches(it->second, options_.api_keys)) {
      out.principal = Principal{"api-key"};
      return out;
    }
    out.status = 403;
    out.error = "the API key is not valid";
    return out;
  }
  if (session_authenticator_) {
    auto session = session_authenticator_(request);
    if (session.principal || session.status == 403) return session;
  }
  out.status = 401;
  out.error = "authentication required: send the header X-API-Key";
  return out;
}

ApiResponse Api::handle(const ApiRequest& request) {
  ApiResponse response;
  try {
    const auto segments = split_path(request.path);
    if (segments.size() < 2 || segments[0] != "api" || segments[1] != "v1") {
      response = error(404, "no such endpoint");
    } else if (segments.size() == 3 && segments[2] == "health") {
      // Unauthenticated, so a load balancer or systemd can probe it; it tells nothing secret.
      response =
          request.method == "GET" ? api_json::respond(200, {{"status", "ok"}}) : not_allowed("GET");
    } else if (auto auth = authenticate(request); !auth.principal) {
      response = error(auth.status, auth.error);
      if (auth.status == 401) response.headers.emplace_back("WWW-Authenticate", "X-API-Key");
    } else {
      response = route(request, *auth.principal,
                       std::vector<std::string>(segments.begin() + 2, segments.end()));
    }
  } catch (const std::exception& e) {
    // A bug, not the client's fault; the message stays in the process (it may hold data).
    response = error(500, "internal error");
  }
  std::lock_guard lock(metrics_mutex_);
  ++responses_by_status_[response.status];
  return response;
}

ApiResponse Api::route(const ApiRequest& request, const Principal& who,
                       const std::vector<std::string>& s) {
  const auto& m = request.method;
  if (s.size() == 1 && s[0] == "metrics") {
    if (m != "GET") return not_allowed("GET");
    ApiResponse r;
    r.body = metrics_text();
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }
  if (s.empty() || s[0] != "zones") return error(404, "no such endpoint");
  if (s.size() == 1) {
    if (m == "GET") return list_zones();
    if (m == "POST") return create_zone(request, who);
    return not_allowed("GET, POST");
  }
  auto name = parse_zone_name(s[1]);
  if (!name) return error(400, name.error().message, "zone");
  const std::string zone = name->to_text();
  if (is_read_only(zone)) return read_only_zone(zone, m, s.size() == 2);
  if (s.size() == 2) {
    if (m == "GET") return get_zone(zone);
    if (m == "DELETE") return delete_zone(zone, who);
    return not_allowed("GET, DELETE");
  }
  const std::string& what = s[2];
  if (s.size() == 3 && what == "export") return m == "GET" ? export_zone(zone) : not_allowed("GET");
  if (s.size() == 3 && what == "records") {
    if (m == "GET") return list_records(request, zone);
    if (m == "POST") return record_write(request, who, zone, m, std::nullopt);
    return not_allowed("GET, POST");
  }
  if (s.size() == 4 && what == "records") {
    const auto id = parse_id(s[3]);
    if (!id) return error(404, fmt::format("\"{}\" is not a record id", s[3]), "id");
    if (m == "PUT" || m == "DELETE") return record_write(request, who, zone, m, id);
    return not_allowed("PUT, DELETE");
  }
  if (s.size() == 3 && what == "changes")
    return m == "POST" ? post_changes(request, who, zone) : not_allowed("POST");
  if (s.size() == 3 && what == "audit")
    return m == "GET" ? get_audit(request, zone) : not_allowed("GET");
  if (s.size() == 3)
    if (const auto it = zone_endpoints_.find({m, what}); it != zone_endpoints_.end()) {
      auto z = store_.get_zone(zone);
      if (!z)
        return error(z.error().kind == StoreFailure::not_found ? 404 : 500, z.error().message,
                     "zone");
      return it->second(request, *z, who);
    }
  return error(404, "no such endpoint");
}

std::string Api::metrics_text() {
  std::string out;
  out += "# HELP mxkit_console_responses_total API responses by HTTP status.\n";
  out += "# TYPE mxkit_console_responses_total counter\n";
  {
    std::lock_guard lock(metrics_mutex_);
    for (const auto& [status, count] : responses_by_status_)
      out += fmt::format("mxkit_console_responses_total{{code=\"{}\"}} {}\n", status, count);
  }
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
  };
  counter("mxkit_console_commits_total", "Changes saved (zone creations, edits, deletions).",
          commits_.load());
  counter("mxkit_console_commit_conflicts_total",
          "Commits retried because another writer moved the serial first.", conflicts_.load());
  counter("mxkit_console_refused_total", "Saves refused by validation (422).", refused_.load());
  counter("mxkit_console_publish_failures_total",
          "Saved zones the DNS role did not take (it keeps serving the previous copy).",
          publish_failures_.load());
  if (auto zones = store_.list_zones())
    out += fmt::format(
        "# HELP mxkit_console_zones Zones in the store.\n# TYPE mxkit_console_zones gauge\n"
        "mxkit_console_zones {}\n",
        zones->size());
  return out;
}

std::shared_ptr<std::mutex> Api::zone_lock(const std::string& zone) {
  std::lock_guard lock(locks_mutex_);
  auto& slot = zone_locks_[zone];
  if (!slot) slot = std::make_shared<std::mutex>();
  return slot;
}

void Api::publish(const Zone& zone) {
  if (!publisher_) return;
  auto records = store_.records(zone.name);
  if (!records) {
    ++publish_failures_;
    core::log_line("mxkit", fmt::format("console: zone {} saved at serial {} but not read back "
                                        "for the DNS role: {}",
                                        zone.name, zone.serial, records.error().message));
    return;
  }
  // The save stands either way: the store is the truth, and the DNS role keeps its previous
  // copy until a publish succeeds (the next save, or a restart).
  if (auto r = publisher_->publish(zone, *records); !r) {
    ++publish_failures_;
    core::log_line("mxkit", fmt::format("console: zone {} saved at serial {} but not published: {}",
                                        zone.name, zone.serial, r.error().message));
    return;
  }
  if (publish_hook_) publish_hook_(zone, *records);
}

core::Result<std::vector<std::string>> read_api_keys(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return core::fail(fmt::format("{}: cannot read the API key file", file.string()));
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    keys.push_back(line.substr(first, last - first + 1));
  }
  if (keys.empty())
    return core::fail(fmt::format("{}: the API key file holds no key", file.string()));
  return keys;
}

}  // namespace mxkit::console
