// `mxkit dig`: reads dig's command line into a DigRequest and finds the servers to ask; the
// query, the zone transfer and +trace run in dig_run.cpp.
#include "cli/dig_command.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/dig_request.hpp"
#include "cli/run_awaitable.hpp"
#include "cli/usage.hpp"
#include "resolver/address.hpp"

namespace mxkit::cli {

namespace dig {

namespace {

std::optional<unsigned> parse_unsigned(std::string_view text, unsigned max) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value > max) return std::nullopt;
  return value;
}

// "+[no]NAME[=VALUE]". dig accepts unique abbreviations; mxkit takes the names whole.
core::Result<void> apply_plus_option(std::string_view word, DigRequest& r) {
  std::string_view text = word.substr(1);
  std::string_view value;
  bool has_value = false;
  if (auto eq = text.find('='); eq != std::string_view::npos) {
    value = text.substr(eq + 1);
    text = text.substr(0, eq);
    has_value = true;
  }
  bool on = true;
  if (text.starts_with("no")) {
    on = false;
    text.remove_prefix(2);
  }
  auto number = [&](unsigned max) -> core::Result<unsigned> {
    if (!has_value || !on) return core::fail(fmt::format("{}: expected +{}=N", word, text));
    auto n = parse_unsigned(value, max);
    if (!n) return core::fail(fmt::format("{}: {} is not a number from 0 to {}", word, value, max));
    return *n;
  };
  const std::map<std::string_view, bool*> flags = {{"short", &r.short_form},
                                                   {"tcp", &r.tcp},
                                                   {"vc", &r.tcp},
                                                   {"rec", &r.recurse},
                                                   {"recurse", &r.recurse},
                                                   {"trace", &r.trace},
                                                   {"json", &r.json},
                                                   {"dnssec", &r.dnssec},
                                                   {"adflag", &r.adflag},
                                                   {"cdflag", &r.cdflag},
                                                   {"cmd", &r.cmd},
                                                   {"comments", &r.display.comments},
                                                   {"question", &r.display.question},
                                                   {"answer", &r.display.answer},
                                                   {"authority", &r.display.authority},
                                                   {"additional", &r.display.additional},
                                                   {"stats", &r.display.stats},
                                                   {"multi", &r.display.multiline},
                                                   {"multiline", &r.display.multiline},
                                                   {"nsid", &r.nsid}};
  if (auto flag = flags.find(text); flag != flags.end() && !has_value) {
    *flag->second = on;
    return {};
  }
  if (text == "all" && !has_value) {
    r.cmd = on;
    const bool multiline = r.display.multiline;
    r.display = {on, on, on, on, on, on, multiline};
    return {};
  }
  if (text == "cookie" || text == "ttlid" || text == "identify") return {};  // accepted, no effect
  if (text == "edns") {
    r.edns = on;
    if (has_value && on) {
      auto version = number(0);  // only EDNS version 0 exists (RFC 6891 §6.1.3)
      if (!version) return tl::unexpected(version.error());
    }
    return {};
  }
  if (text == "bufsize") {
    auto n = number(65535);
    if (!n) return tl::unexpected(n.error());
    r.bufsize = static_cast<std::uint16_t>(std::max(*n, 512u));
    return {};
  }
  if (text == "timeout" || text == "time") {
    auto n = number(300);
    if (!n) return tl::unexpected(n.error());
    r.timeout_s = std::max(*n, 1u);
    return {};
  }
  if (text == "tries" || text == "retry") {
    auto n = number(100);
    if (!n) return tl::unexpected(n.error());
    r.tries = std::max(text == "retry" ? *n + 1 : *n, 1u);
    return {};
  }
  return core::fail(fmt::format("Invalid option: {}", word));
}

// "192.0.2.1" → "1.2.0.192.in-addr.arpa.", IPv6 by nibbles under ip6.arpa (RFC 3596 §2.5).
core::Result<std::string> reverse_name(const std::string& text) {
  std::error_code ec;
  const auto address = asio::ip::make_address(text, ec);
  if (ec) return core::fail(fmt::format("-x {}: not an IP address", text));
  return resolver::reverse_name(address);
}

// "IXFR=2026112701" (any case), as dig writes an incremental transfer from a serial.
std::optional<std::uint32_t> ixfr_serial(std::string_view word) {
  if (word.size() < 6) return std::nullopt;
  std::string head(word.substr(0, 5));
  for (char& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (head != "IXFR=") return std::nullopt;
  std::uint32_t serial = 0;
  const auto number = word.substr(5);
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), serial);
  if (ec != std::errc() || ptr != number.data() + number.size()) return std::nullopt;
  return serial;
}

// -b ADDRESS[#PORT], as dig writes it.
core::Result<void> read_source(const std::string& text, DigRequest& r) {
  std::string address = text;
  if (const auto hash = text.find('#'); hash != std::string::npos) {
    address = text.substr(0, hash);
    auto port = parse_unsigned(std::string_view(text).substr(hash + 1), 65535);
    if (!port)
      return core::fail(fmt::format("-b {}: the port after # must be a number up to 65535", text));
    r.source_port = static_cast<std::uint16_t>(*port);
  }
  std::error_code ec;
  r.source = asio::ip::make_address(address, ec);
  if (ec) return core::fail(fmt::format("-b {}: not an IP address", text));
  return {};
}

// @NAME: its addresses, as the resolver finds them (stub through --resolver or resolv.conf,
// iterative with --root-hints), IPv4 first as dig lists them; -4/-6 ask for one family only.
core::Result<std::vector<asio::ip::address>> resolve_server_name(const std::string& text,
                                                                 const DigRequest& r,
                                                                 const DigArguments& a) {
  std::string absolute = text;
  if (absolute.back() != '.') absolute.push_back('.');
  auto name = dns::Name::from_text(absolute);
  if (!name) return core::fail(fmt::format("couldn't get address for '{}': not found", text));
  auto config = make_resolver_config(a.resolver);
  if (!config)
    return core::fail(
        fmt::format("couldn't get address for '{}': {}", text, config.error().message));
  asio::io_context io;
  resolver::Resolver resolver(io.get_executor(), *config);
  std::vector<asio::ip::address> found;
  std::vector<std::uint16_t> types;
  if (!r.only_v6) types.push_back(dns::rrtype::A);
  if (!r.only_v4) types.push_back(dns::rrtype::AAAA);
  for (auto type : types) {
    const auto resolution = run_awaitable(io, resolver.resolve(*name, type));
    for (const auto& record : resolution.records)
      if (auto address = resolver::address_from_rdata(record.type, record.rdata))
        found.push_back(*address);
  }
  if (found.empty())
    return core::fail(fmt::format("couldn't get address for '{}': not found", text));
  return found;
}

bool family_allowed(const asio::ip::address& address, const DigRequest& r) {
  if (r.only_v4 && !address.is_v4()) return false;
  if (r.only_v6 && !address.is_v6()) return false;
  if (r.source && r.source->is_v4() != address.is_v4()) return false;  // -b sets the family
  return true;
}

}  // namespace

core::Result<DigRequest> make_request(const DigArguments& a) {
  DigRequest r;
  std::optional<std::string> name_text;
  std::optional<std::uint16_t> type, cls;
  std::vector<std::string> shown;  // for the banner: @SERVER first, then the rest as given
  if (a.ipv4 && a.ipv6) return core::fail("-4 and -6: give one of them");
  r.only_v4 = a.ipv4;
  r.only_v6 = a.ipv6;
  if (!a.source.empty())
    if (auto read = read_source(a.source, r); !read) return tl::unexpected(read.error());
  for (const auto& word : a.words) {
    if (word.starts_with("@")) {
      if (word.size() == 1) return core::fail("@ needs a server address or name");
      r.server = word.substr(1);
      continue;
    }
    if (word.starts_with("+")) {
      if (auto applied = apply_plus_option(word, r); !applied)
        return tl::unexpected(applied.error());
      continue;
    }
    if (auto serial = ixfr_serial(word); serial && !type) {
      type = dns::rrtype::IXFR;
      r.ixfr_serial = serial;
      continue;
    }
    // As dig reads them: a type mnemonic is the type, a class mnemonic the class, anything
    // else the name ("dig mx" asks the root for MX, as dig does).
    if (!type && !word.empty() && dns::type_from_text(word)) {
      type = dns::type_from_text(word);
      continue;
    }
    if (!cls && dns::class_from_text(word)) {
      cls = dns::class_from_text(word);
      continue;
    }
    if (name_text)
      return core::fail(fmt::format("more than one name: {} and {}", *name_text, word));
    name_text = word;
  }
  if (!a.type.empty()) {
    if (auto serial = ixfr_serial(a.type)) {
      type = dns::rrtype::IXFR;
      r.ixfr_serial = serial;
    } else {
      type = dns::type_from_text(a.type);
      if (!type) return core::fail(fmt::format("-t {}: not a record type", a.type));
    }
  }
  if (!a.cls.empty()) {
    cls = dns::class_from_text(a.cls);
    if (!cls) return core::fail(fmt::format("-c {}: not a class", a.cls));
  }
  if (!a.name.empty()) name_text = a.name;
  if (!a.reverse.empty()) {
    auto reversed = reverse_name(a.reverse);
    if (!reversed) return tl::unexpected(reversed.error());
    name_text = *reversed;
    if (!type) type = dns::rrtype::PTR;
  }
  if (!name_text) {
    // dig with no name asks for the root's name servers.
    name_text = ".";
    if (!type) type = dns::rrtype::NS;
  }
  std::string absolute = *name_text;
  if (absolute.empty() || absolute.back() != '.') absolute.push_back('.');
  auto name = dns::Name::from_text(absolute);
  if (!name) return core::fail(fmt::format("{}: {}", *name_text, name.error().message));
  r.name = *name;
  r.type = type.value_or(dns::rrtype::A);
  r.cls = cls.value_or(dns::rrclass::IN);
  if (r.type == dns::rrtype::IXFR && !r.ixfr_serial)
    return core::fail("IXFR needs the serial to start from: write IXFR=SERIAL");
  if (r.trace && (r.type == dns::rrtype::AXFR || r.type == dns::rrtype::IXFR))
    return core::fail(
        "+trace follows referrals to one answer; a zone transfer has none: drop +trace");
  // The iterative resolver behind +trace chooses its own sockets and families.
  if (r.trace && (r.source || r.only_v4 || r.only_v6))
    return core::fail("+trace does not take -b, -4 or -6 (the query without +trace does)");
  if (r.server) shown.push_back(fmt::format("@{}", *r.server));
  if (a.port != 0) shown.push_back(fmt::format("-p {}", a.port));
  for (const auto& word : a.words)
    if (!word.starts_with("@")) shown.push_back(word);
  if (!a.type.empty()) shown.push_back(fmt::format("-t {}", a.type));
  if (!a.cls.empty()) shown.push_back(fmt::format("-c {}", a.cls));
  if (!a.reverse.empty()) shown.push_back(fmt::format("-x {}", a.reverse));
  if (!a.name.empty()) shown.push_back(fmt::format("-q {}", a.name));
  r.args_text = fmt::format("{}", fmt::join(shown, " "));
  // -y / -k: RFC 8945 TSIG, as dig takes the key.
  auto key = tsig_key_from_options(a.tsig);
  if (!key) return tl::unexpected(key.error());
  r.tsig = std::move(*key);
  return r;
}

dns::Message make_query(const DigRequest& r) {
  dns::Message query;
  std::random_device random;
  query.header.id = static_cast<std::uint16_t>(random());
  query.header.rd = r.recurse;
  query.header.ad = r.adflag;  // as dig sets it by default: "tell me if you validated"
  query.header.cd = r.cdflag;
  query.question.push_back({r.name, r.type, r.cls});
  if (r.edns) {
    dns::Edns edns;
    edns.udp_payload_size = r.bufsize;
    edns.do_bit = r.dnssec;
    // RFC 5001 §2.1: the requester sends the NSID option empty.
    if (r.nsid) edns.options.push_back({dns::edns_option::NSID, {}});
    query.edns = edns;
  }
  if (r.type == dns::rrtype::IXFR && r.ixfr_serial) {
    // RFC 1995 §3: the client's SOA in the authority section; only its serial matters, so the
    // names are the root and the timers zero, as dig sends them.
    dns::Record soa;
    soa.owner = r.name;
    soa.type = dns::rrtype::SOA;
    soa.cls = r.cls;
    soa.rdata = {0, 0};
    for (int shift = 24; shift >= 0; shift -= 8)
      soa.rdata.push_back(static_cast<std::uint8_t>(*r.ixfr_serial >> shift));
    soa.rdata.resize(soa.rdata.size() + 16, 0);
    query.authority.push_back(std::move(soa));
  }
  return query;
}

core::Result<std::vector<resolver::ServerAddress>> stub_servers(const DigRequest& r,
                                                                const DigArguments& a) {
  const std::uint16_t port = a.port != 0                ? a.port
                             : a.resolver.dns_port != 0 ? a.resolver.dns_port
                                                        : 53;
  std::vector<resolver::ServerAddress> servers;
  if (r.server) {
    if (auto server = resolver::parse_server_address(*r.server, port)) {
      servers.push_back(*server);
    } else {
      // Not an address: a host name, resolved as dig resolves it.
      auto addresses = resolve_server_name(*r.server, r, a);
      if (!addresses) return tl::unexpected(addresses.error());
      for (const auto& address : *addresses) servers.push_back({address, port});
    }
  } else {
    ResolverOptions stub = a.resolver;
    stub.root_hints.clear();
    auto config = make_resolver_config(stub);
    if (!config) return tl::unexpected(config.error());
    if (a.port != 0)
      for (auto& s : config->servers) s.port = a.port;
    servers = std::move(config->servers);
  }
  std::erase_if(servers,
                [&](const resolver::ServerAddress& s) { return !family_allowed(s.address, r); });
  if (servers.empty()) {
    const char* family = r.only_v6 || (r.source && r.source->is_v6()) ? "IPv6" : "IPv4";
    if (r.server)
      return core::fail(
          fmt::format("couldn't get address for '{}': no {} address", *r.server, family));
    return core::fail(
        fmt::format("no {} name server to ask (--resolver, /etc/resolv.conf)", family));
  }
  return servers;
}

std::chrono::milliseconds query_timeout(const DigRequest& r, const DigArguments& a) {
  if (r.timeout_s) return std::chrono::seconds(*r.timeout_s);
  if (a.resolver.timeout_ms != 0) return std::chrono::milliseconds(a.resolver.timeout_ms);
  return std::chrono::seconds(5);  // dig's default
}

namespace {

int run_dig(const DigArguments& a) {
  auto request = make_request(a);
  if (!request) {
    std::fprintf(stderr, "mxkit dig: %s\n", request.error().message.c_str());
    return kExitBadCommandLine;
  }
  try {
    if (request->trace) return run_trace(*request, a);
    if (request->type == dns::rrtype::AXFR || request->type == dns::rrtype::IXFR)
      return run_transfer(*request, a);
    return run_query(*request, a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxkit dig: %s\n", e.what());
    return kExitInternal;
  }
}

}  // namespace

}  // namespace dig

void add_dig_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<dig::DigArguments>();
  auto* command = app.add_subcommand(
      "dig", "Query a DNS server as dig does (+short, +tcp, +norec, +trace, +json, AXFR, ...)");
  command->add_option("words", a->words,
                      "[@SERVER] NAME [TYPE|IXFR=SERIAL] [CLASS] [+[no]option[=value]]...");
  command->add_option("-p", a->port, "Port of the server (default 53)")
      ->check(CLI::Range(1, 65535));
  command->add_option("-t", a->type, "Record type (or IXFR=SERIAL)");
  command->add_option("-c", a->cls, "Class");
  command->add_option("-x", a->reverse, "Reverse lookup: the PTR record of this address");
  command->add_option("-q", a->name, "The name to ask for");
  command->add_flag("-4", a->ipv4, "IPv4 only: servers and the server name's addresses");
  command->add_flag("-6", a->ipv6, "IPv6 only: servers and the server name's addresses");
  command->add_option("-b", a->source, "Send from this local address, ADDRESS[#PORT]");
  add_tsig_key_options(*command, a->tsig, "Sign the query");
  add_resolver_options(*command, a->resolver);
  // One timeout model, dig's: +timeout=S per attempt, +tries=N attempts (+retry=N: N + 1).
  command->get_option("--timeout")
      ->description(
          "The +timeout setting in milliseconds: wait this long for each reply (default 5000; "
          "1500 for each query of +trace)");
  command->footer(
      "Options as dig takes them: +short +[no]tcp +[no]rec +trace +json +[no]dnssec +bufsize=N\n"
      "+[no]edns +[no]adflag +[no]cdflag +[no]cmd +[no]comments +[no]question +[no]answer\n"
      "+[no]authority +[no]additional +[no]stats +[no]all +[no]multi +[no]nsid.\n"
      "Waiting: +timeout=S seconds for each reply (default 5; --timeout MS is the same setting in\n"
      "milliseconds; +trace waits 1500 ms a query unless told) and +tries=N attempts per server\n"
      "(default 3; +retry=N means N + 1 tries).\n\n"
      "@SERVER is an address or a host name (resolved through --resolver, /etc/resolv.conf, or\n"
      "--root-hints). Without @SERVER: --resolver, else /etc/resolv.conf. +trace starts from\n"
      "--root-hints, else from the root NS set the server gives; +trace +json prints the steps as\n"
      "JSON (docs/json.md). AXFR and IXFR=SERIAL go over TCP and print the whole transfer.\n\n"
      "Exit status: 0 on a reply (whatever its rcode), 1 for a bad command line, 9 when no server\n"
      "replied, 10 when the server address is unusable.");
  set_usage_exit_code(*command, dig::kExitBadCommandLine);
  command->callback([a, &exit_code] { exit_code = dig::run_dig(*a); });
}

}  // namespace mxkit::cli
