// The MTA-STS policy fetch (see mta_sts_probe.hpp). The response is read whole (the request
// asks the server to close) and handed to mailauth's parser; only the socket work is here.
#include "checks/mta_sts_probe.hpp"

#include <array>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <openssl/x509_vfy.h>

#include "checks/ns_probe.hpp"
#include "mailauth/mta_sts.hpp"

namespace mxkit::checks {

using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);
// The header and the largest body accepted (RFC 8461 §3.3 suggests 64 KiB for the body).
constexpr std::size_t kMaxResponse = mailauth::kMtaStsMaxBody + 16 * 1024;

// One HTTPS GET to `address`; fills the response fields of `out` or its error.
asio::awaitable<void> fetch_from(const asio::ip::address& address, MtaStsFetch& out,
                                 const HttpsOptions& options) {
  auto executor = co_await asio::this_coro::executor;
  asio::ssl::context context(asio::ssl::context::tls_client);
  // RFC 8996: TLS 1.0 and 1.1 are gone; a policy host offering only them fails here.
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
  context.set_default_verify_paths();
  if (!options.ca_file.empty()) {
    std::error_code ec;
    context.load_verify_file(options.ca_file, ec);
    if (ec) {
      out.error = fmt::format("--https-ca {}: {}", options.ca_file, ec.message());
      co_return;
    }
  }
  // The chain and the name are checked by OpenSSL; the verdict is read after the handshake
  // so the report can say what was wrong with the certificate instead of "handshake failed".
  context.set_verify_mode(asio::ssl::verify_peer);
  context.set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });

  asio::ip::tcp::socket socket(executor);
  asio::steady_timer timer(executor);
  timer.expires_after(options.timeout);  // one deadline for the whole fetch
  const asio::ip::tcp::endpoint peer(address, options.port);
  auto connected = co_await (socket.async_connect(peer, as_tuple_awaitable) ||
                             timer.async_wait(as_tuple_awaitable));
  if (connected.index() == 1) {
    out.error = fmt::format("connect to {} timed out", out.address);
    co_return;
  }
  if (auto [ec] = std::get<0>(connected); ec) {
    out.error = fmt::format("connect to {} port {}: {}", out.address, options.port, ec.message());
    co_return;
  }
  asio::ssl::stream<asio::ip::tcp::socket&> tls(socket, context);
  SSL* ssl = tls.native_handle();
  SSL_set_tlsext_host_name(ssl, out.host.c_str());  // SNI: one server often hosts many names
  // RFC 8461 §3.3 / RFC 6125: the certificate must be valid for the policy host's DNS-ID;
  // a wildcard only as the whole left-most label. "Matching is performed only against the
  // DNS-ID identifiers": never OpenSSL's fallback to the subject's CN when no DNS-ID is present.
  SSL_set_hostflags(ssl,
                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  SSL_set1_host(ssl, out.host.c_str());
  auto shaken = co_await (tls.async_handshake(asio::ssl::stream_base::client, as_tuple_awaitable) ||
                          timer.async_wait(as_tuple_awaitable));
  if (shaken.index() == 1) {
    out.error = "TLS handshake timed out";
    co_return;
  }
  if (auto [ec] = std::get<0>(shaken); ec) {
    out.error = fmt::format("TLS handshake: {}", ec.message());
    co_return;
  }
  if (const long verdict = SSL_get_verify_result(ssl); verdict != X509_V_OK)
    out.certificate_error = X509_verify_cert_error_string(verdict);
  if (SSL_get0_peer_certificate(ssl) == nullptr) out.certificate_error = "no certificate shown";

  const std::string host_field =
      options.port == 443 ? out.host : fmt::format("{}:{}", out.host, options.port);
  const std::string request = fmt::format(
      "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {}\r\nUser-Agent: mxkit-check\r\n"
      "Accept: text/plain\r\nConnection: close\r\n\r\n",
      host_field);
  auto wrote = co_await (asio::async_write(tls, asio::buffer(request), as_tuple_awaitable) ||
                         timer.async_wait(as_tuple_awaitable));
  if (wrote.index() == 1 || std::get<0>(std::get<0>(wrote))) {
    out.error = "sending the request failed";
    co_return;
  }
  std::string response;
  std::array<char, 8192> buffer{};
  for (;;) {
    auto got = co_await (tls.async_read_some(asio::buffer(buffer), as_tuple_awaitable) ||
                         timer.async_wait(as_tuple_awaitable));
    if (got.index() == 1) {
      out.error = fmt::format("no complete response within {} ms", options.timeout.count());
      co_return;
    }
    auto [ec, n] = std::get<0>(got);
    response.append(buffer.data(), n);
    if (response.size() > kMaxResponse) break;  // the parser names the size problem
    // The end of the response: a clean close, or a close without close_notify (common, and
    // harmless here: the body's length is checked against Content-Length by the parser).
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) break;
    if (ec) {
      out.error = fmt::format("reading the response: {}", ec.message());
      co_return;
    }
  }
  std::error_code ignored;
  socket.close(ignored);
  auto parsed = mailauth::parse_http_response(response);
  if (!parsed) {
    out.error = fmt::format("malformed HTTP response: {}", parsed.error().message);
    co_return;
  }
  out.status = parsed->status;
  out.content_type = parsed->content_type;
  out.location = parsed->location;
  out.body = std::move(parsed->body);
}

}  // namespace

asio::awaitable<MtaStsFetch> fetch_mta_sts_policy(resolver::Resolver& resolver, std::string domain,
                                                  HttpsOptions options) {
  MtaStsFetch out;
  out.attempted = true;
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  out.host = "mta-sts." + domain;  // RFC 8461 §3.2: the Policy Host
  out.url = fmt::format("https://{}{}/.well-known/mta-sts.txt", out.host,
                        options.port == 443 ? std::string() : fmt::format(":{}", options.port));
  auto name = dns::Name::from_text(out.host + ".");
  if (!name) {
    out.error = fmt::format("{} is not a valid name", out.host);
    co_return out;
  }
  std::string error;
  auto addresses = co_await lookup_addresses(resolver, *name, error);
  if (addresses.empty()) {
    out.error = fmt::format("{} has no address{}", out.host, error.empty() ? "" : ": " + error);
    co_return out;
  }
  // Each address in turn until one gives a response (HTTP errors included).
  for (const auto& a : addresses) {
    std::error_code ec;
    const auto ip = asio::ip::make_address(a, ec);
    if (ec) continue;
    MtaStsFetch attempt = out;
    attempt.address = a;
    co_await fetch_from(ip, attempt, options);
    out = std::move(attempt);
    if (out.error.empty()) break;
  }
  co_return out;
}

}  // namespace mxkit::checks
