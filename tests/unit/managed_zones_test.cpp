// DnsServer::set_zone / remove_zone over real loopback sockets: a zone set at run time is
// answered, a replacement is journaled so IXFR from the old serial gives just the difference,
// a removed zone is REFUSED, and an origin given as a zone file is refused.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <asio.hpp>
#include <gtest/gtest.h>

#include "auth/server.hpp"
#include "auth/transfer_in.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"
#include "managed_zones_helpers.hpp"

namespace mxkit::auth {
namespace {

using test::free_port;
using test::make_zone;
using test::ServerThread;

constexpr const char* kZoneV1 =
    "@ 3600 IN SOA ns1 hostmaster 2026120501 3600 600 86400 300\n"
    "@ 3600 IN NS ns1\n"
    "ns1 3600 IN A 127.0.0.1\n"
    "@ 3600 IN MX 10 mx1\n"
    "mx1 3600 IN A 192.0.2.1\n";

std::string zone_v2() {
  std::string text = kZoneV1;
  text.replace(text.find("2026120501"), 10, "2026120502");
  return text + "@ 3600 IN MX 20 mx2\nmx2 3600 IN A 192.0.2.2\n";
}

TEST(ManagedZones, SetReplaceIxfrRemove) {
  const auto dir = test::scratch_dir("managed-zones");
  ServerOptions options;
  const std::uint16_t port = free_port();
  options.listen.push_back({"127.0.0.1", port});
  options.transfer_allow.push_back(*AddressPrefix::parse("127.0.0.0/8"));
  options.managed_journal_dir = dir / "journal";
  ServerThread server(std::move(options), {});  // no zone files at all
  const auto origin = *dns::Name::from_text("example.test.");

  EXPECT_EQ(test::soa_serial(port, origin).error().message.find("REFUSED") != std::string::npos,
            true);
  auto v1 = make_zone(origin, kZoneV1);
  ASSERT_TRUE(server->set_zone(v1));
  EXPECT_EQ(*test::soa_serial(port, origin), 2026120501u);
  ASSERT_TRUE(server->set_zone(make_zone(origin, zone_v2())));
  EXPECT_EQ(*test::soa_serial(port, origin), 2026120502u);

  // IXFR from 2026120501: one change, the two added records and nothing removed.
  auto reader = test::ixfr(port, *v1);
  ASSERT_TRUE(reader.done());
  ASSERT_EQ(reader.form(), TransferReader::Form::incremental);
  ASSERT_EQ(reader.changes().size(), 1u);
  EXPECT_EQ(reader.changes()[0].from(), 2026120501u);
  EXPECT_EQ(reader.changes()[0].to(), 2026120502u);
  EXPECT_TRUE(reader.changes()[0].removed.empty());
  EXPECT_EQ(reader.changes()[0].added.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir / "journal" / "example.test.jnl"));

  // The same zone again is no change; an older serial is refused and the copy stays.
  EXPECT_TRUE(server->set_zone(make_zone(origin, zone_v2())));
  auto older = server->set_zone(make_zone(origin, kZoneV1));
  ASSERT_FALSE(older);
  EXPECT_NE(older.error().message.find("not newer"), std::string::npos) << older.error().message;
  EXPECT_EQ(*test::soa_serial(port, origin), 2026120502u);

  ASSERT_TRUE(server->remove_zone(origin));
  auto gone = test::soa_serial(port, origin);
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("REFUSED"), std::string::npos) << gone.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "journal" / "example.test.jnl"));
  EXPECT_FALSE(server->remove_zone(origin));
}

TEST(ManagedZones, FileZoneOriginRefused) {
  const auto dir = test::scratch_dir("managed-zones-file");
  const auto file = dir / "example.test.zone";
  std::ofstream(file) << kZoneV1;
  ServerOptions options;
  const std::uint16_t port = free_port();
  options.listen.push_back({"127.0.0.1", port});
  ZoneSource source;
  source.origin = *dns::Name::from_text("example.test.");
  source.file = file;
  source.where = "--zone example.test.=" + file.string();
  ServerThread server(std::move(options), {source});
  auto refused = server->set_zone(make_zone(source.origin, zone_v2()));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("zone file"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("--zone example.test.="), std::string::npos);
  EXPECT_EQ(*test::soa_serial(port, source.origin), 2026120501u);  // the file's copy, untouched

  // Another zone beside the file's is served with it.
  const auto other = *dns::Name::from_text("other.test.");
  ASSERT_TRUE(server->set_zone(make_zone(other, kZoneV1)));
  EXPECT_EQ(*test::soa_serial(port, other), 2026120501u);
  EXPECT_EQ(*test::soa_serial(port, source.origin), 2026120501u);
}

}  // namespace
}  // namespace mxkit::auth
