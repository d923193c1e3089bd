// `mxkit dig`: reads dig's command line, sends the query through resolver::exchange (or, for
// +trace, resolves from the roots with the iterative resolver) and prints what dig prints.
#include "cli/dig_command.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/dig_output.hpp"
#include "cli/resolver_options.hpp"
#include "cli/usage.hpp"
#include "dns/name.hpp"
#include "dns/rrtype.hpp"
#include "resolver/address.hpp"
#include "resolver/resolver.hpp"
#include "resolver/transport.hpp"

namespace mxkit::cli {

namespace {

// dig's exit statuses: 1 for a bad command line, 9 when no server replied, 10 for an
// internal error such as an unusable server address.
constexpr int kExitBadCommandLine = 1, kExitNoReply = 9, kExitInternal = 10;

struct DigArguments {
  std::vector<std::string> words;  // @SERVER, NAME, TYPE, CLASS and +options, in order
  std::uint16_t port = 0;          // -p
  std::string type;                // -t
  std::string cls;                 // -c
  std::string reverse;             // -x ADDRESS
  std::string name;                // -q
  ResolverOptions resolver;
};

// The query and how to show its answer, once the command line is understood.
struct DigRequest {
  std::optional<std::string> server;  // @SERVER
  dns::Name name;
  std::uint16_t type = dns::rrtype::A;
  std::uint16_t cls = dns::rrclass::IN;
  bool short_form = false, tcp = false, recurse = true, trace = false, json = false, dnssec = false;
  bool edns = true, adflag = true, cdflag = false, cmd = true;
  std::uint16_t bufsize = 1232;
  std::optional<unsigned> timeout_s;
  unsigned tries = 3;
  dig::Display display;
  std::string args_text;  // the arguments as the banner repeats them
};

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
  const std::map<std::string_view, bool*> flags = {
      {"short", &r.short_form}, {"tcp", &r.tcp},         {"vc", &r.tcp},
      {"rec", &r.recurse},      {"recurse", &r.recurse}, {"trace", &r.trace},
      {"json", &r.json},        {"dnssec", &r.dnssec},   {"adflag", &r.adflag},
      {"cdflag", &r.cdflag},    {"cmd", &r.cmd},         {"comments", &r.display.comments},
      {"question", &r.display.question}, {"answer", &r.display.answer},
      {"authority", &r.display.authority}, {"additional", &r.display.additional},
      {"stats", &r.display.stats}};
  if (auto flag = flags.find(text); flag != flags.end() && !has_value) {
    *flag->second = on;
    return {};
  }
  if (text == "all" && !has_value) {
    r.cmd = on;
    r.display = {on, on, on, on, on, on};
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
  std::string name;
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) name += fmt::format("{}.", *it);
    return name + "in-addr.arpa.";
  }
  const auto bytes = address.to_v6().to_bytes();
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it)
    name += fmt::format("{:x}.{:x}.", *it & 0x0f, *it >> 4);
  return name + "ip6.arpa.";
}

core::Result<DigRequest> make_request(const DigArguments& a) {
  DigRequest r;
  std::optional<std::string> name_text;
  std::optional<std::uint16_t> type, cls;
  std::vector<std::string> shown;  // for the banner: @SERVER first, then the rest as given
  for (const auto& word : a.words) {
    if (word.starts_with("@")) {
      if (word.size() == 1) return core::fail("@ needs a server address");
      r.server = word.substr(1);
      continue;
    }
    if (word.starts_with("+")) {
      if (auto applied = apply_plus_option(word, r); !applied) return tl::unexpected(applied.error());
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
    if (name_text) return core::fail(fmt::format("more than one name: {} and {}", *name_text, word));
    name_text = word;
  }
  if (!a.type.empty()) {
    type = dns::type_from_text(a.type);
    if (!type) return core::fail(fmt::format("-t {}: not a record type", a.type));
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
  if (r.server) shown.push_back(fmt::format("@{}", *r.server));
  if (a.port != 0) shown.push_back(fmt::format("-p {}", a.port));
  for (const auto& word : a.words)
    if (!word.starts_with("@")) shown.push_back(word);
  if (!a.type.empty()) shown.push_back(fmt::format("-t {}", a.type));
  if (!a.cls.empty()) shown.push_back(fmt::format("-c {}", a.cls));
  if (!a.reverse.empty()) shown.push_back(fmt::format("-x {}", a.reverse));
  if (!a.name.empty()) shown.push_back(fmt::format("-q {}", a.name));
  r.args_text = fmt::format("{}", fmt::join(shown, " "));
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
    query.edns = edns;
  }
  return query;
}

// Runs one awaitable to completion on `io`.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result.emplace(std::move(value));
  });
  io.run();
  io.restart();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

std::string address_text(const asio::ip::address& address) { return address.to_string(); }

// One query, tried `tries` rounds over `servers`: the first reply, or none. Each failed attempt
// prints dig's communications error line as it happens.
std::optional<resolver::Exchange> ask(asio::io_context& io, const std::vector<resolver::ServerAddress>& servers,
                                      const dns::Message& query, const DigRequest& r,
                                      std::chrono::milliseconds timeout, resolver::ServerAddress& answered,
                                      std::FILE* errors) {
  resolver::ExchangeOptions options;
  options.timeout = timeout;
  options.tcp_only = r.tcp;
  for (unsigned attempt = 0; attempt < r.tries; ++attempt) {
    for (const auto& server : servers) {
      auto result = run(io, resolver::exchange(io.get_executor(), server, query, options));
      if (result) {
        answered = server;
        return std::move(*result);
      }
      const std::string address = address_text(server.address);
      const auto& error = result.error();
      // dig's words for the two common failures; anything else as the transport said it.
      std::string reason = error.message;
      if (error.failure == resolver::ExchangeFailure::Timeout) reason = "timed out";
      if (error.failure == resolver::ExchangeFailure::Unreachable && error.message.find("refused") != std::string::npos)
        reason = "connection refused";
      if (r.tcp && error.failure == resolver::ExchangeFailure::Unreachable) {
        std::string name = r.name.to_text();
        if (name.size() > 1) name.pop_back();
        std::fprintf(errors, ";; Connection to %s#%u(%s) for %s failed: %s.\n", address.c_str(), server.port,
                     address.c_str(), name.c_str(), reason.c_str());
      } else {
        std::fputs(dig::communications_error(address, server.port, reason).c_str(), errors);
      }
    }
  }
  return std::nullopt;
}

dig::ReplyInfo reply_info(const resolver::Exchange& reply, const resolver::ServerAddress& server) {
  return {address_text(server.address), server.port, reply.over_tcp, reply.elapsed, reply.wire.size(),
          std::time(nullptr)};
}

// The servers to ask without +trace: @SERVER, else --resolver, else /etc/resolv.conf; -p, then
// --dns-port, set the port where the server text gives none.
core::Result<std::vector<resolver::ServerAddress>> stub_servers(const DigRequest& r, const DigArguments& a) {
  const std::uint16_t port = a.port != 0 ? a.port : a.resolver.dns_port != 0 ? a.resolver.dns_port : 53;
  if (r.server) {
    auto server = resolver::parse_server_address(*r.server, port);
    if (!server) return core::fail(fmt::format("couldn't get address for '{}': {}", *r.server, server.error().message));
    return std::vector<resolver::ServerAddress>{*server};
  }
  ResolverOptions stub = a.resolver;
  stub.root_hints.clear();
  auto config = make_resolver_config(stub);
  if (!config) return tl::unexpected(config.error());
  if (a.port != 0)
    for (auto& s : config->servers) s.port = a.port;
  if (config->servers.empty()) return core::fail("no name server to ask (--resolver, /etc/resolv.conf)");
  return config->servers;
}

std::chrono::milliseconds query_timeout(const DigRequest& r, const DigArguments& a) {
  if (r.timeout_s) return std::chrono::seconds(*r.timeout_s);
  if (a.resolver.timeout_ms != 0) return std::chrono::milliseconds(a.resolver.timeout_ms);
  return std::chrono::seconds(5);  // dig's default
}

int run_query(const DigRequest& r, const DigArguments& a) {
  auto servers = stub_servers(r, a);
  if (!servers) {
    std::fprintf(stderr, "mxkit dig: %s\n", servers.error().message.c_str());
    return kExitInternal;
  }
  asio::io_context io;
  resolver::ServerAddress answered;
  // Errors go beside the output dig would print; with +json they go to stderr so stdout stays JSON.
  std::FILE* errors = r.json ? stderr : stdout;
  auto reply = ask(io, *servers, make_query(r), r, query_timeout(r, a), answered, errors);
  if (!reply) {
    if (!r.json) {
      if (r.cmd) std::fputs(dig::banner(r.args_text, r.server.has_value()).c_str(), stdout);
      std::fputs(";; no servers could be reached\n", stdout);
    }
    return kExitNoReply;
  }
  const dig::ReplyInfo info = reply_info(*reply, answered);
  if (r.json) {
    std::fputs(dig::json_text(reply->reply, reply->wire, info).c_str(), stdout);
  } else if (r.short_form) {
    std::fputs(dig::short_text(reply->reply).c_str(), stdout);
  } else {
    // dig reports the retry before its banner, as it happens.
    if (reply->over_tcp && !r.tcp) std::fputs(";; Truncated, retrying in TCP mode.\n", stdout);
    if (r.cmd) std::fputs(dig::banner(r.args_text, r.server.has_value()).c_str(), stdout);
    std::fputs(dig::reply_text(reply->reply, info, r.display).c_str(), stdout);
  }
  return 0;
}


// Every address record in `records` names its owner: how +trace labels the servers it asked.
void learn_names(const std::vector<dns::Record>& records, std::map<std::string, std::string>& names) {
  for (const auto& record : records)
    if (auto address = resolver::address_from_rdata(record.type, record.rdata))
      names.emplace(address->to_string(), record.owner.to_text());
}

// +trace: from --root-hints, or, as dig does, from the root NS set the stub server gives; then
// every referral down to the answer, each with the server that gave it.
int run_trace(const DigRequest& r, const DigArguments& a) {
  asio::io_context io;
  std::map<std::string, std::string> names;
  std::string out = r.cmd ? dig::banner(r.args_text, r.server.has_value()) : std::string();
  resolver::ResolverConfig config;
  const std::optional<std::uint16_t> port =
      a.resolver.dns_port != 0 ? std::optional<std::uint16_t>(a.resolver.dns_port)
                               : a.port != 0 ? std::optional<std::uint16_t>(a.port) : std::nullopt;
  if (!a.resolver.root_hints.empty() && !r.server) {
    auto made = make_resolver_config(a.resolver);
    if (!made) {
      std::fprintf(stderr, "mxkit dig: %s\n", made.error().message.c_str());
      return kExitBadCommandLine;
    }
    config = std::move(*made);
    config.port_override = port;
    learn_names(config.root_hints, names);
    for (const auto& record : config.root_hints)
      if (record.type == dns::rrtype::NS && record.owner.is_root()) out += dig::record_line(record) + '\n';
    out += fmt::format(";; Root servers from {}\n\n", a.resolver.root_hints);
  } else {
    auto servers = stub_servers(r, a);
    if (!servers) {
      std::fprintf(stderr, "mxkit dig: %s\n", servers.error().message.c_str());
      return kExitInternal;
    }
    DigRequest roots = r;
    roots.name = dns::Name();
    roots.type = dns::rrtype::NS;
    roots.cls = dns::rrclass::IN;
    resolver::ServerAddress answered;
    auto reply = ask(io, *servers, make_query(roots), roots, query_timeout(r, a), answered, stdout);
    if (!reply) {
      std::fputs(out.c_str(), stdout);
      std::fputs(";; no servers could be reached\n", stdout);
      return kExitNoReply;
    }
    const std::string address = address_text(answered.address);
    for (const auto& record : reply->reply.answer) out += dig::record_line(record) + '\n';
    out += fmt::format(";; Received {} bytes from {}({}) in {} ms\n\n", reply->wire.size(),
                       dig::server_text(address, answered.port), address,
                       std::chrono::duration_cast<std::chrono::milliseconds>(reply->elapsed).count());
    learn_names(reply->reply.additional, names);
    config.mode = resolver::ResolverConfig::Mode::Iterative;
    for (const auto& [ip, name] : names) {
      std::error_code ec;
      const auto parsed = asio::ip::make_address(ip, ec);
      if (!ec) config.root_servers.push_back({parsed, 53});
    }
    if (config.root_servers.empty()) {
      std::fputs(out.c_str(), stdout);
      std::fputs(";; no root server addresses in the reply to \". NS\"\n", stdout);
      return kExitNoReply;
    }
    config.port_override = port;
    if (r.timeout_s || a.resolver.timeout_ms != 0) config.timeout = query_timeout(r, a);
  }
  if (r.timeout_s) config.timeout = std::chrono::seconds(*r.timeout_s);
  config.trace = true;
  config.edns_udp_size = r.bufsize;
  resolver::Resolver resolver(io.get_executor(), config);
  const resolver::Resolution resolution = run(io, resolver.resolve(r.name, r.type));
  for (const auto& step : resolution.trace) {
    learn_names(step.records, names);
    out += dig::trace_step_text(step, names, !(step.qname == r.name && step.qtype == r.type));
  }
  const bool replied = resolution.status != resolver::Status::Timeout;
  if (resolution.status == resolver::Status::ServFail || resolution.status == resolver::Status::Timeout)
    out += fmt::format(";; {}: {}\n", resolver::status_name(resolution.status), resolution.detail);
  std::fputs(out.c_str(), stdout);
  return replied ? 0 : kExitNoReply;
}

int run_dig(const DigArguments& a) {
  auto request = make_request(a);
  if (!request) {
    std::fprintf(stderr, "mxkit dig: %s\n", request.error().message.c_str());
    return kExitBadCommandLine;
  }
  try {
    return request->trace ? run_trace(*request, a) : run_query(*request, a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxkit dig: %s\n", e.what());
    return kExitInternal;
  }
}

}  // namespace

void add_dig_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<DigArguments>();
  auto* dig = app.add_subcommand("dig", "Query a DNS server as dig does (+short, +tcp, +norec, +trace, +json, ...)");
  dig->add_option("words", a->words, "[@SERVER] NAME [TYPE] [CLASS] [+[no]option[=value]]...");
  dig->add_option("-p", a->port, "Port of the server (default 53)")->check(CLI::Range(1, 65535));
  dig->add_option("-t", a->type, "Record type");
  dig->add_option("-c", a->cls, "Class");
  dig->add_option("-x", a->reverse, "Reverse lookup: the PTR record of this address");
  dig->add_option("-q", a->name, "The name to ask for");
  add_resolver_options(*dig, a->resolver);
  dig->footer(
      "Options as dig takes them: +short +[no]tcp +[no]rec +trace +json +[no]dnssec +bufsize=N\n"
      "+timeout=S (default 5; --timeout MS also sets it) +tries=N (default 3) +[no]edns +[no]adflag\n"
      "+[no]cdflag +[no]cmd +[no]comments +[no]question +[no]answer +[no]authority +[no]additional\n"
      "+[no]stats +[no]all. Without @SERVER: --resolver, else /etc/resolv.conf. +trace starts from\n"
      "--root-hints, else from the root NS set the server gives.\n\n"
      "Exit status: 0 on a reply (whatever its rcode), 1 for a bad command line, 9 when no server\n"
      "replied, 10 when the server address is unusable.");
  set_usage_exit_code(*dig, kExitBadCommandLine);
  dig->callback([a, &exit_code] { exit_code = run_dig(*a); });
}

}  // namespace mxkit::cli
