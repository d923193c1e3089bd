// TLS glue on asio::ssl (OpenSSL 3): a server context from certificate and key files, and a
// TCP stream that starts in plain text and can be upgraded in place (STARTTLS, RFC 3207).
// Knows no protocol.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

#include "core/result.hpp"

namespace mxkit::net {

// A server context: the certificate chain (PEM, leaf first) and its private key (PEM), checked
// to match; TLS 1.2 is the oldest version offered (RFC 8996 retired 1.0 and 1.1). Errors name
// the file and OpenSSL's reason.
core::Result<std::shared_ptr<asio::ssl::context>> make_server_tls_context(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

// A connection that reads and writes plain TCP until start_tls() succeeds, then TLS. Timeouts
// are the caller's: cancelling socket() ends a pending read, write or handshake.
class Stream {
 public:
  explicit Stream(asio::ip::tcp::socket socket);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  asio::ip::tcp::socket& socket() { return socket_; }

  // Reads what is available (at least one octet); 0 with `ec` set at the end or on error.
  asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer, std::error_code& ec);
  // Writes all of `buffer`.
  asio::awaitable<void> write(asio::const_buffer buffer, std::error_code& ec);
  // The server side of the TLS handshake on this connection (after "220 Ready to start TLS").
  asio::awaitable<void> start_tls(asio::ssl::context& context, std::error_code& ec);

  bool tls() const { return tls_ != nullptr && handshaken_; }
  std::string tls_version() const;  // "TLSv1.3"; empty in plain text
  std::string tls_cipher() const;   // "TLS_AES_256_GCM_SHA384"; empty in plain text
  // Closes without waiting for the peer (a TLS close_notify is sent if the handshake was done).
  void close();

 private:
  asio::ip::tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  bool handshaken_ = false;
};

}  // namespace mxkit::net
