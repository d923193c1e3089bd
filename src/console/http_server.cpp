#include "console/http_server.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "core/ascii.hpp"
#include "core/log.hpp"

namespace mxkit::console {
namespace {

// Per-client token buckets. Forgotten after a minute idle, so the table stays as small as the
// set of clients seen lately.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}
  bool allow(const std::string& client) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (buckets_.size() > 10000) prune(now);
    auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
    auto& b = it->second;
    if (!fresh) {
      const double elapsed = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  void prune(std::chrono::steady_clock::time_point now) {
    std::erase_if(buckets_,
                  [&](const auto& kv) { return now - kv.second.last > std::chrono::minutes(1); });
  }
  double per_second_, burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

ApiRequest to_api(const httplib::Request& req) {
  ApiRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) r.headers.emplace(core::ascii_lower(k), v);
  r.body = req.body;
  r.client = req.remote_addr;
  return r;
}

void to_httplib(const ApiResponse& from, httplib::Response& res) {
  res.status = from.status;
  for (const auto& [k, v] : from.headers) res.set_header(k, v);
  // Defaults a handler may override (the UI's files are cacheable with an ETag).
  if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  if (!res.has_header("X-Content-Type-Options"))
    res.set_header("X-Content-Type-Options", "nosniff");
  // A 304 has no body and no type of its own.
  if (!from.content_type.empty()) res.set_content(from.body, from.content_type);
}

}  // namespace

struct HttpServer::Impl {
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::uint16_t port = 0;
  std::unique_ptr<RateLimiter> limiter;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }
std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

core::Result<std::unique_ptr<HttpServer>> HttpServer::start(Api& api, HttpServerOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.tls_cert.empty() != options.tls_key.empty())
    return core::fail("the console's TLS needs both a certificate and a key");
  if (!options.tls_cert.empty()) {
    auto tls =
        std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!tls->is_valid())
      return core::fail(fmt::format("{} / {}: cannot load the console's TLS certificate and key",
                                    options.tls_cert, options.tls_key));
    impl->server = std::move(tls);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  auto& server = *impl->server;
  impl->limiter = std::make_unique<RateLimiter>(options.per_second, options.burst);
  const int threads = options.threads;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server.set_payload_max_length(options.max_body);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  auto* limiter = impl->limiter.get();
  // Before the body is read: a client over its rate costs us no more than its headers.
  server.set_pre_routing_handler([limiter](const httplib::Request& req, httplib::Response& res) {
    if (limiter->allow(req.remote_addr)) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 429;
    res.set_header("Retry-After", "1");
    res.set_content("{\"error\":\"too many requests\",\"field\":null}\n", "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  auto respond = [&api, other = options.other](ApiRequest request, httplib::Response& res) {
    if (!request.path.starts_with("/api/") && other)
      if (auto page = other(request)) {
        to_httplib(*page, res);
        return;
      }
    to_httplib(api.handle(request), res);
  };
  // Requests without a body (GET, and a DELETE or POST with none) go to the plain handlers.
  auto plain = [respond](const httplib::Request& req, httplib::Response& res) {
    respond(to_api(req), res);
  };
  server.Get(".*", plain);
  server.Post(".*", plain);
  server.Put(".*", plain);
  server.Delete(".*", plain);
  server.Patch(".*", plain);
  // Bodies read through a content reader: whatever their Content-Type they reach the API as
  // sent, within max_body. (Read by the library itself, a body labelled
  // application/x-www-form-urlencoded — curl -d's default — is refused over 8 KiB, a limit
  // compiled into Debian's cpp-httplib, and its fields would be mixed into the query.)
  auto with_body = [respond](const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& reader) {
    std::string body;
    const bool whole = reader([&body](const char* data, std::size_t size) {
      body.append(data, size);
      return true;
    });
    if (!whole) {
      // Over max_body (the library has set 413) or cut short; the error handler says which.
      if (res.status != 413) res.status = 400;
      return;
    }
    auto request = to_api(req);
    request.body = std::move(body);
    respond(std::move(request), res);
  };
  server.Post(".*", with_body);
  server.Put(".*", with_body);
  server.Delete(".*", with_body);
  server.Patch(".*", with_body);
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* reason = res.status == 413 ? "the request body is too large" : "bad request";
    res.set_content(fmt::format("{{\"error\":\"{}\",\"field\":null}}\n", reason),
                    "application/json");
  });
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    // Method, path, status, client: no query (it may carry names worth keeping private), no
    // header (X-API-Key), no body.
    core::log_line("mxkit", fmt::format("console: {} {} {} {}", req.method, req.path, res.status,
                                        req.remote_addr));
  });
  int port = 0;
  if (options.port == 0) {
    port = server.bind_to_any_port(options.host);
  } else if (server.bind_to_port(options.host, options.port)) {
    port = options.port;
  } else {
    port = -1;
  }
  if (port <= 0)
    return core::fail(
        fmt::format("cannot listen on {}:{} for the console", options.host, options.port));
  impl->port = static_cast<std::uint16_t>(port);
  impl->thread = std::thread([&server] { server.listen_after_bind(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace mxkit::console
