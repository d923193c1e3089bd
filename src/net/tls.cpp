// The TLS context and the upgradable stream (see tls.hpp).
#include "net/tls.hpp"

#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace mxkit::net {

namespace {

// OpenSSL's last queued reason ("no such file", "key values mismatch"), or asio's message.
std::string openssl_reason(const std::error_code& ec) {
  unsigned long code = ERR_get_error();
  if (code == 0) return ec.message();
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

}  // namespace

core::Result<std::shared_ptr<asio::ssl::context>> make_server_tls_context(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  std::error_code ec;
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use,
                       ec);
  if (ec) return core::fail(fmt::format("TLS setup: {}", openssl_reason(ec)));
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1)
    return core::fail("TLS setup: cannot require TLS 1.2");
  context->use_certificate_chain_file(cert_file.string(), ec);
  if (ec)
    return core::fail(
        fmt::format("{}: cannot use as certificate: {}", cert_file.string(), openssl_reason(ec)));
  context->use_private_key_file(key_file.string(), asio::ssl::context::pem, ec);
  if (ec)
    return core::fail(
        fmt::format("{}: cannot use as private key: {}", key_file.string(), openssl_reason(ec)));
  if (SSL_CTX_check_private_key(context->native_handle()) != 1)
    return core::fail(fmt::format("{}: the key does not match the certificate {}",
                                  key_file.string(), cert_file.string()));
  return context;
}

Stream::Stream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

Stream::~Stream() = default;

asio::awaitable<std::size_t> Stream::read_some(asio::mutable_buffer buffer, std::error_code& ec) {
  if (tls_)
    co_return co_await tls_->async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
  co_return co_await socket_.async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> Stream::write(asio::const_buffer buffer, std::error_code& ec) {
  if (tls_) {
    co_await asio::async_write(*tls_, buffer, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await asio::async_write(socket_, buffer, asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> Stream::start_tls(asio::ssl::context& context, std::error_code& ec) {
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, context);
  co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
  handshaken_ = !ec;
}

std::string Stream::tls_version() const {
  if (!tls()) return {};
  return SSL_get_version(
      const_cast<asio::ssl::stream<asio::ip::tcp::socket&>&>(*tls_).native_handle());
}

std::string Stream::tls_cipher() const {
  if (!tls()) return {};
  return SSL_get_cipher_name(
      const_cast<asio::ssl::stream<asio::ip::tcp::socket&>&>(*tls_).native_handle());
}

void Stream::close() {
  std::error_code ignored;
  // A TLS close_notify is not awaited: SMTP has ended (QUIT or 421), and RFC 8446 §6.1 lets the
  // closer go without waiting for the peer's.
  if (tls()) SSL_shutdown(tls_->native_handle());
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace mxkit::net
