// The console's HTTP(S) server: cpp-httplib carrying requests to Api::handle(). The edge only:
// a request-size limit (413), a per-client request rate limit (429), optional TLS, and one log
// line per request that names method, path, status and client, never a header or a body (the
// API key travels in a header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "console/api.hpp"
#include "core/result.hpp"

namespace mxkit::console {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;          // 0: any free port (HttpServer::port() tells which)
  std::size_t max_body = 1 << 20;  // octets; a larger body is refused with 413
  // Token bucket per client address: `burst` requests at once, then `per_second`.
  double per_second = 200;
  double burst = 400;
  std::string tls_cert, tls_key;  // PEM files; both or neither
  int threads = 16;
  // A callback beside the API for paths outside /api/ (the UI adds its pages here); may be empty.
  std::function<std::optional<ApiResponse>(const ApiRequest&)> other;
};

class HttpServer {
 public:
  // Binds and starts serving on a thread of its own; an error when the address cannot be bound
  // or the TLS files do not load.
  static core::Result<std::unique_ptr<HttpServer>> start(Api& api, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  void stop();  // stops accepting, finishes, joins; safe to call twice

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxkit::console
