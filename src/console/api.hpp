// The console's JSON API (docs/console.md), socket-free: a request in (method, path, query,
// headers, body), a response out. The HTTP server (http_server.hpp) only carries these; the
// unit tests, the fuzz target and the server all call the same handle().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "console/publisher.hpp"
#include "console/serial.hpp"
#include "console/store.hpp"
#include "console/validate.hpp"
#include "core/result.hpp"

namespace mxkit::console {

struct ApiRequest {
  std::string method;                          // "GET", "POST", …
  std::string path;                            // "/api/v1/zones/example.test/records", decoded
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string client;  // the peer's address, for the audit log and limits
};

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ApiOptions {
  std::vector<std::string> api_keys;  // any of them lets a request in (read_api_keys)
  // A new empty zone's NS records and SOA names when the request gives none: the NS of the
  // serving primary and its secondaries; the SOA's MNAME defaults to the first NS and its
  // RNAME to hostmaster.<zone>.
  std::vector<std::string> default_ns;
  std::string soa_mname, soa_rname;
  std::function<std::chrono::year_month_day()> today = utc_today;
  // A commit that finds the serial moved (another primary sharing the store wrote first) is
  // re-validated and tried again this many times before the client gets 409.
  int conflict_retries = 20;
  // Zones the DNS role serves from files (`mxkit serve --zone`), lowercased with the final dot:
  // GET /zones lists them with "read_only": true and every write to them is 409 (the file is
  // their source; the DNS role refuses to take them from the console).
  std::vector<std::string> read_only_zones;
  // Looks up the addresses of MX/NS/SRV targets outside the zone that a change brings (the
  // edge's: serve's resolver, bounded in time); unset, such targets are not looked up.
  std::function<TargetAddresses(const std::vector<std::string>&)> look_up_targets;
};

// Who made a request, once let in: "api-key", or what a session authenticator names.
struct Principal {
  std::string actor;
};

// The outcome of the authentication step: a principal, or the status (401/403) and reason.
struct AuthOutcome {
  std::optional<Principal> principal;
  int status = 401;
  std::string error;
};

class Api {
 public:
  Api(Store& store, ZonePublisher* publisher, ApiOptions options);

  ApiResponse handle(const ApiRequest& request);

  // The authentication step, in one place: the X-API-Key header (RFC 6750-like: 401 without
  // credentials, 403 with wrong ones), or else the session authenticator when one is set (the
  // UI's session cookie), which returns the actor or nothing.
  AuthOutcome authenticate(const ApiRequest& request) const;
  // It answers with a principal, or 403 (a session whose write lacks its CSRF token), or 401
  // (no session: the request is then refused as having no credentials).
  using SessionAuthenticator = std::function<AuthOutcome(const ApiRequest&)>;
  void set_session_authenticator(SessionAuthenticator authenticator);

  // Further endpoints under /api/v1/zones/{zone}/NAME (the DNS side's /propagation and
  // /check): called once the request is authenticated and the zone exists.
  using ZoneEndpoint = std::function<ApiResponse(const ApiRequest&, const Zone&, const Principal&)>;
  void add_zone_endpoint(std::string method, std::string name, ZoneEndpoint endpoint);

  // Before serving: called after each zone the API publishes (create, import, every saved
  // change) with the records published; it must not block (the DNS side starts its watch of
  // the zone's servers catching up, propagation.hpp).
  using PublishHook = std::function<void(const Zone&, const std::vector<Record>&)>;
  void on_publish(PublishHook hook) { publish_hook_ = std::move(hook); }

  Store& store() { return store_; }
  // The Prometheus text of GET /api/v1/metrics.
  std::string metrics_text();

 private:
  struct Route;
  ApiResponse route(const ApiRequest& request, const Principal& who,
                    const std::vector<std::string>& segments);
  ApiResponse list_zones();
  bool is_read_only(const std::string& zone) const;
  ApiResponse read_only_zone(const std::string& zone, const std::string& method, bool whole);
  ApiResponse create_zone(const ApiRequest& request, const Principal& who);
  ApiResponse get_zone(const std::string& zone);
  ApiResponse delete_zone(const std::string& zone, const Principal& who);
  ApiResponse export_zone(const std::string& zone);
  ApiResponse list_records(const ApiRequest& request, const std::string& zone);
  ApiResponse record_write(const ApiRequest& request, const Principal& who, const std::string& zone,
                           const std::string& method, std::optional<std::int64_t> id);
  ApiResponse post_changes(const ApiRequest& request, const Principal& who,
                           const std::string& zone);
  ApiResponse get_audit(const ApiRequest& request, const std::string& zone);

  struct Proposal;
  struct Outcome;
  ApiResponse apply(const std::string& zone, std::vector<Proposal> proposals, bool dry_run,
                    bool accept_warnings, const Principal& who, int ok_status,
                    std::optional<std::size_t> single);
  void publish(const Zone& zone);
  std::shared_ptr<std::mutex> zone_lock(const std::string& zone);

  Store& store_;
  ZonePublisher* publisher_;
  ApiOptions options_;
  SessionAuthenticator session_authenticator_;
  std::map<std::pair<std::string, std::string>, ZoneEndpoint> zone_endpoints_;
  PublishHook publish_hook_;

  std::mutex locks_mutex_;
  std::map<std::string, std::shared_ptr<std::mutex>> zone_locks_;

  // Counters for /metrics.
  std::mutex metrics_mutex_;
  std::map<int, std::uint64_t> responses_by_status_;
  std::atomic<std::uint64_t> commits_{0}, conflicts_{0}, refused_{0}, publish_failures_{0};
};

// The keys in FILE: one per line, surrounding blanks trimmed; empty lines and lines starting
// with "#" skipped. An error when the file cannot be read or holds no key.
core::Result<std::vector<std::string>> read_api_keys(const std::filesystem::path& file);

}  // namespace mxkit::console
