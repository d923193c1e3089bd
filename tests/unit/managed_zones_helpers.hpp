// Test helpers for the runtime zones of DnsServer and the console's DNS side: a server running
// on a free loopback port in its own thread, zones from text, SOA and IXFR queries.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <asio.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "auth/server.hpp"
#include "auth/transfer_in.hpp"
#include "auth/zone.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::auth::test {

// A port free for UDP and TCP on 127.0.0.1 (bound to 0, then released).
inline std::uint16_t free_port() {
  asio::io_context io;
  for (int attempt = 0; attempt < 50; ++attempt) {
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    std::error_code ec;
    asio::ip::udp::socket u(io);
    u.open(asio::ip::udp::v4());
    u.bind({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) return port;
  }
  ADD_FAILURE() << "no free port";
  return 0;
}

inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             (name + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::shared_ptr<const Zone> make_zone(const dns::Name& origin, const std::string& text) {
  dns::zone::CollectingSink sink;
  dns::zone::ParseOptions options;
  options.origin = origin;
  const auto stats = dns::zone::parse_zone_text(text, "test", options, sink);
  EXPECT_EQ(stats.errors, 0u);
  auto zone = Zone::build(origin, std::move(sink.records));
  EXPECT_TRUE(zone) << (zone ? "" : zone.error().message);
  return zone ? *zone : nullptr;
}

// A started server whose run() goes on in a thread until the object goes.
class ServerThread {
 public:
  ServerThread(ServerOptions options, std::vector<ZoneSource> zones)
      : server_(std::make_unique<DnsServer>(std::move(options), std::move(zones))) {
    auto started = server_->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~ServerThread() {
    server_->stop();
    thread_.join();
  }
  DnsServer* operator->() { return server_.get(); }
  DnsServer& operator*() { return *server_; }

 private:
  std::unique_ptr<DnsServer> server_;
  std::thread thread_;
};

// The serial 127.0.0.1:port answers for `zone` over UDP (a few tries: the workers may be
// starting), or the error (its rcode: "REFUSED").
inline core::Result<std::uint32_t> soa_serial(std::uint16_t port, const dns::Name& zone) {
  asio::io_context io;
  asio::ip::udp::socket socket(io, asio::ip::udp::v4());
  const asio::ip::udp::endpoint to(asio::ip::make_address("127.0.0.1"), port);
  core::Result<std::uint32_t> last = core::fail("no answer");
  for (std::uint16_t id = 1; id <= 20; ++id) {
    const auto query = soa_query(id, zone.wire());
    socket.send_to(asio::buffer(query), to);
    std::array<std::uint8_t, 4096> in;
    asio::ip::udp::endpoint from;
    socket.non_blocking(true);
    std::size_t n = 0;
    for (int wait = 0; wait < 50 && n == 0; ++wait) {
      std::error_code ec;
      n = socket.receive_from(asio::buffer(in), from, 0, ec);
      if (ec == asio::error::would_block)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      else if (ec)
        break;
    }
    if (n == 0) continue;
    return read_soa_answer({in.data(), n}, id, zone.wire());
  }
  return last;
}

// IXFR over TCP for `held`'s origin, carrying `held`'s SOA; the reader after the last message.
inline TransferReader ixfr(std::uint16_t port, const Zone& held) {
  dns::Record soa{held.origin(), dns::rrtype::SOA, 1, held.soa()->ttl, {}};
  auto rdata = held.rdata(*held.soa(), 0);
  soa.rdata.assign(rdata.begin(), rdata.end());
  TransferReader reader(held.origin(), 7, dns::rrtype::IXFR, zone_serial(held));
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  auto query = transfer_query(7, held.origin().wire(), dns::rrtype::IXFR, &soa);
  std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(query.size() >> 8),
                                   static_cast<std::uint8_t>(query.size())};
  framed.insert(framed.end(), query.begin(), query.end());
  asio::write(socket, asio::buffer(framed));
  for (int messages = 0; messages < 100 && !reader.done(); ++messages) {
    std::array<std::uint8_t, 2> prefix;
    asio::read(socket, asio::buffer(prefix));
    std::vector<std::uint8_t> message(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
    asio::read(socket, asio::buffer(message));
    auto fed = reader.feed(message);
    EXPECT_TRUE(fed) << (fed ? "" : fed.error().message);
    if (!fed) break;
  }
  return reader;
}

}  // namespace mxkit::auth::test
