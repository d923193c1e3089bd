// Where the servers come from: "IP[:PORT]" text, resolv.conf, root hints; and status names.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "net/endpoint.hpp"
#include "resolver/address.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::resolver {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::Answer: return "answer";
    case Status::NoData: return "nodata";
    case Status::NxDomain: return "nxdomain";
    case Status::ServFail: return "servfail";
    case Status::Timeout: return "timeout";
  }
  return "servfail";
}

core::Result<ServerAddress> parse_server_address(std::string_view text,
                                                 std::uint16_t default_port) {
  auto endpoint = net::parse_endpoint(text, default_port);
  if (!endpoint) return tl::unexpected(endpoint.error());
  return ServerAddress{endpoint->address, endpoint->port};
}

// resolv.conf(5): "nameserver ADDRESS" lines; '#' and ';' start comments; other keywords are
// not ours to act on. A scoped IPv6 address ("fe80::1%eth0") is taken without its scope name
// only if Asio reads it; otherwise the line names the problem.
core::Result<std::vector<ServerAddress>> read_resolv_conf(const std::string& path,
                                                          std::uint16_t port) {
  std::ifstream in(path);
  if (!in) return core::fail(fmt::format("{}: cannot be read", path));
  std::vector<ServerAddress> servers;
  std::string line;
  unsigned number = 0;
  while (std::getline(in, line) && number < 100000) {
    ++number;
    if (auto comment = line.find_first_of("#;"); comment != std::string::npos) line.erase(comment);
    std::istringstream words(line);
    std::string keyword, address;
    if (!(words >> keyword) || keyword != "nameserver") continue;
    if (!(words >> address))
      return core::fail(fmt::format("{}:{}: nameserver without an address", path, number));
    std::error_code ec;
    auto ip = asio::ip::make_address(address, ec);
    if (ec)
      return core::fail(fmt::format("{}:{}: \"{}\" is not an IP address", path, number, address));
    servers.push_back({ip, port});
  }
  if (servers.empty()) return core::fail(fmt::format("{}: no nameserver line", path));
  return servers;
}

namespace {

// Keeps what root hints need: NS records at the root and addresses.
class HintsSink : public dns::zone::Sink {
 public:
  std::vector<dns::Name> ns_names;
  std::vector<std::pair<dns::Name, asio::ip::address>> addresses;
  std::vector<dns::Record> records;  // the two above, as records
  std::string first_error;

  void record(const dns::zone::RecordView& r) override {
    dns::Name owner = dns::Name::from_wire(r.owner);
    if (r.type == dns::rrtype::NS && owner.is_root()) {
      ns_names.push_back(dns::Name::from_wire(r.rdata));
    } else if (auto address = address_from_rdata(r.type, r.rdata)) {
      addresses.emplace_back(owner, *address);
    } else {
      return;
    }
    records.push_back({std::move(owner), r.type, r.rclass, r.ttl, {r.rdata.begin(), r.rdata.end()}});
  }
  void diagnostic(const dns::zone::Diagnostic& d) override {
    if (d.severity == dns::zone::Severity::error && first_error.empty())
      first_error = dns::zone::format_diagnostic(d);
  }
};

}  // namespace

core::Result<RootHints> read_root_hints(const std::string& path) {
  HintsSink sink;
  dns::zone::ParseOptions options;  // origin: the root
  options.default_ttl = 3600000;    // hints files often give no $TTL
  auto stats = dns::zone::parse_zone_file(path, options, sink);
  if (stats.errors > 0 || stats.stopped)
    return core::fail(sink.first_error.empty() ? fmt::format("{}: cannot be read", path)
                                               : sink.first_error);
  if (sink.ns_names.empty())
    return core::fail(fmt::format("{}: no NS record for the root \".\"", path));
  std::vector<ServerAddress> servers;
  for (const auto& ns : sink.ns_names)
    for (const auto& entry : sink.addresses)
      if (entry.first == ns) {
        const auto& address = entry.second;
        bool seen = std::any_of(servers.begin(), servers.end(),
                                [&](const ServerAddress& s) { return s.address == address; });
        if (!seen) servers.push_back({address, 53});
      }
  if (servers.empty())
    return core::fail(fmt::format("{}: no A or AAAA record for any root name server ({})", path,
                                  sink.ns_names.front().to_text()));
  return RootHints{std::move(servers), std::move(sink.records)};
}

}  // namespace mxkit::resolver
