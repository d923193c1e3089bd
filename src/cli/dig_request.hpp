// Inside `mxkit dig`: the command line as read (DigArguments), the query it asks for
// (DigRequest), and the three ways to run it: one query, a zone transfer, +trace.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/dig_output.hpp"
#include "cli/resolver_options.hpp"
#include "cli/tsig_options.hpp"
#include "core/result.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"
#include "dns/rrtype.hpp"
#include "dns/tsig.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::cli::dig {

// dig's exit statuses: 1 for a bad command line, 9 when no server replied, 10 for an
// internal error such as an unusable server address.
inline constexpr int kExitBadCommandLine = 1, kExitNoReply = 9, kExitInternal = 10;

struct DigArguments {
  std::vector<std::string> words;   // @SERVER, NAME, TYPE, CLASS and +options, in order
  std::uint16_t port = 0;           // -p
  std::string type;                 // -t
  std::string cls;                  // -c
  std::string reverse;              // -x ADDRESS
  std::string name;                 // -q
  bool ipv4 = false, ipv6 = false;  // -4, -6
  std::string source;               // -b ADDRESS[#PORT]
  TsigKeyOptions tsig;              // -y [ALG:]NAME:SECRET, -k FILE (BIND's key file)
  ResolverOptions resolver;
};

// The query and how to show its answer, once the command line is understood.
struct DigRequest {
  std::optional<std::string> server;  // @SERVER: an address or a host name
  dns::Name name;
  std::uint16_t type = dns::rrtype::A;
  std::uint16_t cls = dns::rrclass::IN;
  std::optional<std::uint32_t> ixfr_serial;  // IXFR=SERIAL
  bool short_form = false, tcp = false, recurse = true, trace = false, json = false, dnssec = false;
  bool edns = true, adflag = true, cdflag = false, cmd = true, nsid = false;
  std::uint16_t bufsize = 1232;
  std::optional<unsigned> timeout_s;
  unsigned tries = 3;
  Display display;
  std::string args_text;                    // the arguments as the banner repeats them
  std::optional<asio::ip::address> source;  // -b
  std::uint16_t source_port = 0;
  bool only_v4 = false, only_v6 = false;  // -4, -6
  std::optional<dns::TsigKey> tsig;       // -y or -k: sign the query, verify the reply
};

// dig's TSIG pseudosection line for a message's TSIG record ("" when it has none), and the
// message without it (the record is shown there, not in the additional section).
std::string tsig_line(std::span<const std::uint8_t> wire);
void drop_tsig(dns::Message& message);

core::Result<DigRequest> make_request(const DigArguments& a);
// The query message for `r`: RD, AD, CD as asked, EDNS with NSID when asked (RFC 5001), an
// IXFR's SOA in the authority section (RFC 1995 §3).
dns::Message make_query(const DigRequest& r);
// The servers to ask: @SERVER (a host name is resolved, as dig does), else --resolver, else
// /etc/resolv.conf; -4/-6 and -b's family filter them.
core::Result<std::vector<resolver::ServerAddress>> stub_servers(const DigRequest& r,
                                                                const DigArguments& a);
std::chrono::milliseconds query_timeout(const DigRequest& r, const DigArguments& a);

int run_query(const DigRequest& r, const DigArguments& a);
int run_transfer(const DigRequest& r, const DigArguments& a);  // AXFR and IXFR, over TCP
int run_trace(const DigRequest& r, const DigArguments& a);

}  // namespace mxkit::cli::dig
