// Sending NOTIFY with a blocking UDP socket: a handful of packets per zone change.
#include "auth/notify.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <random>

#include <asio.hpp>
#include <fmt/format.h>

#include "dns/message.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::auth {

std::vector<std::uint8_t> notify_message(std::uint16_t id, dns::WireName zone,
                                         std::span<const std::uint8_t> soa_rdata, std::uint32_t soa_ttl) {
  std::vector<std::uint8_t> buffer(512);
  dns::Header h;
  h.id = id;
  h.opcode = dns::opcode::NOTIFY;
  h.aa = true;  // RFC 1996 §3.7: a NOTIFY from the primary has AA set
  dns::MessageBuilder out(buffer, h);
  out.add_question(zone, dns::rrtype::SOA, dns::rrclass::IN);
  out.add_record(dns::Section::Answer, zone, dns::rrtype::SOA, dns::rrclass::IN, soa_ttl, soa_rdata);
  auto m = out.finish();
  return {m.begin(), m.end()};
}

std::vector<std::uint8_t> notify_response(std::uint16_t id, dns::WireName zone, std::uint16_t qtype,
                                          std::uint16_t qclass, std::uint16_t rcode) {
  std::vector<std::uint8_t> buffer(512);
  dns::Header h;
  h.id = id;
  h.qr = true;
  h.opcode = dns::opcode::NOTIFY;
  h.aa = rcode == dns::rcode::NOERROR;
  dns::MessageBuilder out(buffer, h);
  if (!zone.empty()) out.add_question(zone, qtype, qclass);
  out.header().rcode = rcode;
  auto m = out.finish();
  return {m.begin(), m.end()};
}

core::Result<void> send_notify(const NotifyTarget& target, dns::WireName zone,
                               std::span<const std::uint8_t> soa_rdata, std::uint32_t soa_ttl,
                               int attempts, std::chrono::milliseconds timeout,
                               const dns::TsigKey* key) {
  std::error_code ec;
  auto address = asio::ip::make_address(target.host, ec);
  if (ec) return core::fail(fmt::format("\"{}\" is not an IP address", target.host));
  asio::ip::udp::endpoint peer(address, target.port);
  // Plain sockets and poll(): Asio's blocking receive would wait forever past a timeout.
  const int fd = ::socket(peer.protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::fail(fmt::format("NOTIFY to {}:{}: {}", target.host, target.port, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::random_device entropy;
  auto id = static_cast<std::uint16_t>(entropy());
  auto message = notify_message(id, zone, soa_rdata, soa_ttl);
  std::optional<dns::TsigSigner> signer;
  if (key) {
    signer.emplace(*key, std::nullopt);
    message = signer->sign(message, dns::tsig_now());
  }
  std::vector<std::uint8_t> reply(65535);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (::sendto(fd, message.data(), message.size(), 0, peer.data(), static_cast<socklen_t>(peer.size())) < 0)
      continue;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Wait for the reply to this NOTIFY from that peer; anything else is ignored.
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      asio::ip::udp::endpoint from;
      socklen_t from_size = static_cast<socklen_t>(from.capacity());
      ssize_t n = ::recvfrom(fd, reply.data(), reply.size(), 0, from.data(), &from_size);
      if (n < 0) break;  // e.g. ECONNREFUSED from an ICMP error: try again
      from.resize(from_size);
      if (from != peer || static_cast<std::size_t>(n) < dns::kHeaderSize) continue;
      if ((reply[0] << 8 | reply[1]) != id || !(reply[2] & 0x80)) continue;
      const std::span<const std::uint8_t> answer(reply.data(), static_cast<std::size_t>(n));
      if (signer) {
        // RFC 8945 §5.3: the reply to a signed request must be signed with the same key.
        dns::TsigVerifier verifier(*key, signer->last_mac());
        if (auto verified = verifier.feed(answer, dns::tsig_now()); !verified)
          return core::fail(fmt::format("NOTIFY to {}:{}: {}", target.host, target.port, verified.error().message));
      }
      const int rcode = reply[3] & 0x0F;
      if (rcode != dns::rcode::NOERROR)
        return core::fail(fmt::format("NOTIFY to {}:{} answered with rcode {}", target.host, target.port, rcode));
      return {};
    }
  }
  return core::fail(fmt::format("NOTIFY to {}:{}: no answer after {} tries", target.host, target.port, attempts));
}

}  // namespace mxkit::auth
