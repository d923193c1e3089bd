// `mxkit dig` at work: one query (resolver::exchange), a zone transfer over TCP, or +trace
// from the roots with the iterative resolver; each prints what dig prints.
#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "cli/dig_request.hpp"
#include "cli/run_awaitable.hpp"
#include "dns/message_builder.hpp"
#include "dns/zone/transfer.hpp"
#include "net/client.hpp"
#include "resolver/address.hpp"
#include "resolver/transport.hpp"

namespace mxkit::cli::dig {

namespace {

std::string address_text(const asio::ip::address& address) { return address.to_string(); }

std::string name_without_dot(const dns::Name& name) {
  std::string text = name.to_text();
  if (text.size() > 1) text.pop_back();
  return text;
}

// dig's line for a TCP connection that failed, and for anything else that failed on the way.
void print_failure(std::FILE* errors, const resolver::ServerAddress& server, const DigRequest& r,
                   bool tcp, const std::string& why, bool unreachable) {
  const std::string address = address_text(server.address);
  if (tcp && unreachable) {
    std::fprintf(errors, ";; Connection to %s#%u(%s) for %s failed: %s.\n", address.c_str(),
                 server.port, address.c_str(), name_without_dot(r.name).c_str(), why.c_str());
  } else {
    std::fputs(communications_error(address, server.port, why).c_str(), errors);
  }
}

// One query, tried `tries` rounds over `servers`: the first reply, or none. Each failed attempt
// prints dig's communications error line as it happens.
std::optional<resolver::Exchange> ask(asio::io_context& io,
                                      const std::vector<resolver::ServerAddress>& servers,
                                      const dns::Message& query, const DigRequest& r,
                                      std::chrono::milliseconds timeout,
                                      resolver::ServerAddress& answered, std::FILE* errors,
                                      std::vector<std::uint8_t>* tsig_mac = nullptr) {
  resolver::ExchangeOptions options;
  if (r.tsig && tsig_mac)
    options.sign = [&r, tsig_mac](std::vector<std::uint8_t> wire) {
      dns::TsigSigner signer(*r.tsig, std::nullopt);
      auto signed_wire = signer.sign(wire, dns::tsig_now());
      *tsig_mac = signer.last_mac();
      return signed_wire;
    };
  options.timeout = timeout;
  options.tcp_only = r.tcp;
  options.source = r.source;
  options.source_port = r.source_port;
  for (unsigned attempt = 0; attempt < r.tries; ++attempt) {
    for (const auto& server : servers) {
      auto result =
          run_awaitable(io, resolver::exchange(io.get_executor(), server, query, options));
      if (result) {
        answered = server;
        return std::move(*result);
      }
      const auto& error = result.error();
      // dig's words for the two common failures; anything else as the transport said it.
      std::string reason = error.message;
      if (error.failure == resolver::ExchangeFailure::Timeout) reason = "timed out";
      if (error.failure == resolver::ExchangeFailure::Unreachable &&
          error.message.find("refused") != std::string::npos)
        reason = "connection refused";
      print_failure(errors, server, r, r.tcp, reason,
                    error.failure == resolver::ExchangeFailure::Unreachable);
    }
  }
  return std::nullopt;
}

ReplyInfo reply_info(const resolver::Exchange& reply, const resolver::ServerAddress& server) {
  return {address_text(server.address),
          server.port,
          reply.over_tcp,
          reply.elapsed,
          reply.wire.size(),
          std::time(nullptr)};
}

std::size_t servers_found(const DigRequest& r,
                          const std::vector<resolver::ServerAddress>& servers) {
  return r.server ? servers.size() : 0;
}

// Every address record in `records` names its owner: how +trace labels the servers it asked.
void learn_names(const std::vector<dns::Record>& records,
                 std::map<std::string, std::string>& names) {
  for (const auto& record : records)
    if (auto address = resolver::address_from_rdata(record.type, record.rdata))
      names.emplace(address->to_string(), record.owner.to_text());
}

// dig prints the TSIG record in a pseudosection of its own, after the additional section.
std::string with_tsig_section(std::string text, const std::string& line) {
  if (line.empty()) return text;
  // The header's count includes the TSIG record, as dig's does, though it is shown apart.
  if (const auto count = text.find("ADDITIONAL: "); count != std::string::npos) {
    const auto digits = count + 12;
    const auto end = text.find_first_not_of("0123456789", digits);
    if (end != std::string::npos && end > digits)
      text.replace(digits, end - digits,
                   std::to_string(std::stoul(text.substr(digits, end - digits)) + 1));
  }
  const std::string section = ";; TSIG PSEUDOSECTION:\n" + line + "\n\n";
  const auto at = text.find(";; Query time:");
  if (at == std::string::npos) return text + section;
  text.insert(at, section);
  return text;
}

// How one transfer attempt ended.
enum class XfrEnd { Complete, Refused, NoConnection, Broken };

struct XfrCounts {
  std::size_t records = 0, messages = 0, bytes = 0;
};

// RFC 5936 §4.2 / RFC 7766 §8: the query behind a two-octet length on a new TCP connection,
// then the messages of the response, each behind its length, until the closing SOA. Records
// are printed as each message arrives (the banner before the first).
asio::awaitable<XfrEnd> transfer_from(asio::any_io_executor executor,
                                      resolver::ServerAddress server,
                                      std::vector<std::uint8_t> wire, const DigRequest& r,
                                      std::chrono::milliseconds timeout, std::size_t found,
                                      XfrCounts& counts, std::vector<std::string>& json,
                                      std::string& why) {
  net::TcpConnection connection(executor);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<asio::ip::tcp::endpoint> source;
  if (r.source) source.emplace(*r.source, r.source_port);
  if (auto c = co_await connection.connect({server.address, server.port}, deadline, source); !c) {
    why = c.error().failure == net::Failure::Timeout               ? "timed out"
          : c.error().message.find("refused") != std::string::npos ? "connection refused"
                                                                   : c.error().message;
    co_return XfrEnd::NoConnection;
  }
  // -y/-k: the query signed, and every message of the answer checked (RFC 8945 §5.3.1).
  std::optional<dns::TsigVerifier> verifier;
  if (r.tsig) {
    dns::TsigSigner signer(*r.tsig, std::nullopt);
    wire = signer.sign(wire, dns::tsig_now());
    verifier.emplace(*r.tsig, signer.last_mac());
  }
  const std::uint16_t id = static_cast<std::uint16_t>(wire[0] << 8 | wire[1]);
  std::vector<std::uint8_t> framed(wire.size() + 2);
  framed[0] = static_cast<std::uint8_t>(wire.size() >> 8);
  framed[1] = static_cast<std::uint8_t>(wire.size());
  std::copy(wire.begin(), wire.end(), framed.begin() + 2);
  if (auto w = co_await connection.write(framed, deadline); !w) {
    why = w.error().message;
    co_return XfrEnd::NoConnection;
  }
  // The shared transfer reader (dns/zone/transfer.hpp) decides where the stream ends and
  // rejects what no transfer may carry; dig prints each message's records once they pass.
  dns::zone::TransferReader reader(r.name, id, r.type, r.ixfr_serial);
  while (!reader.done()) {
    // Each message gets the whole timeout (dig's +timeout is per read, too).
    deadline = std::chrono::steady_clock::now() + timeout;
    std::array<std::uint8_t, 2> length{};
    if (auto got = co_await connection.read_exactly(length, deadline); !got) {
      why = got.error().failure == net::Failure::Timeout ? "timed out" : "end of file";
      co_return counts.messages == 0 ? XfrEnd::NoConnection : XfrEnd::Broken;
    }
    std::vector<std::uint8_t> message(static_cast<std::size_t>(length[0] << 8 | length[1]));
    if (auto got = co_await connection.read_exactly(message, deadline); !got) {
      why = got.error().failure == net::Failure::Timeout ? "timed out" : "end of file";
      co_return XfrEnd::Broken;
    }
    auto parsed = dns::parse_message(message);
    if (!parsed || parsed->header.id != id || !parsed->header.qr) {
      why = parsed ? "a reply with another ID" : parsed.error().message;
      co_return XfrEnd::Broken;
    }
    if (verifier)
      if (auto verified = verifier->feed(message, dns::tsig_now()); !verified) {
        why = verified.error().message;
        co_return XfrEnd::Broken;
      }
    if (counts.messages == 0 && !r.json && r.cmd && !r.short_form)
      std::fputs(banner(r.args_text, found).c_str(), stdout);
    ++counts.messages;
    counts.bytes += message.size();
    if (r.json) {
      ReplyInfo info{
          address_text(server.address), server.port, true, {}, message.size(), std::time(nullptr)};
      json.push_back(json_text(*parsed, message, info));
    }
    // RFC 5936 §2.2: an error rcode ends the transfer, as does any response without records.
    if (parsed->header.rcode != dns::rcode::NOERROR || parsed->answer.empty())
      co_return XfrEnd::Refused;
    if (auto fed = reader.feed(message); !fed) {
      why = fed.error().message;
      co_return XfrEnd::Broken;
    }
    std::string out;
    for (const auto& record : parsed->answer) {
      if (r.short_form) {
        dns::Message one;
        one.answer.push_back(record);
        out += short_text(one);
      } else {
        out += record_line(record, r.display.multiline) + '\n';
      }
    }
    if (auto line = tsig_line(message); !line.empty() && !r.short_form) out += line + '\n';
    if (!r.json) std::fputs(out.c_str(), stdout);
  }
  counts.records = reader.record_count();
  connection.close();
  co_return XfrEnd::Complete;
}

}  // namespace

std::string tsig_line(std::span<const std::uint8_t> wire) {
  auto found = dns::find_tsig(wire);
  if (!found || !*found) return {};
  return (*found)->record.key_name.to_text() + "\t\t0\tANY\tTSIG\t" +
         dns::tsig_rdata_text((*found)->record);
}

void drop_tsig(dns::Message& message) {
  auto& extra = message.additional;
  if (!extra.empty() && extra.back().type == dns::rrtype::TSIG) extra.pop_back();
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
  std::vector<std::uint8_t> tsig_mac;
  auto reply =
      ask(io, *servers, make_query(r), r, query_timeout(r, a), answered, errors, &tsig_mac);
  if (reply && r.tsig) {
    // RFC 8945 §5.3: the reply to a signed query must be signed with the same key.
    dns::TsigVerifier verifier(*r.tsig, tsig_mac);
    if (auto verified = verifier.feed(reply->wire, dns::tsig_now()); !verified)
      std::fprintf(errors, ";; Couldn't verify signature: %s\n", verified.error().message.c_str());
  }
  const std::string tsig = reply ? tsig_line(reply->wire) : std::string();
  if (reply) drop_tsig(reply->reply);
  if (!reply) {
    if (!r.json) {
      if (r.cmd) std::fputs(banner(r.args_text, servers_found(r, *servers)).c_str(), stdout);
      std::fputs(";; no servers could be reached\n", stdout);
    }
    return kExitNoReply;
  }
  const ReplyInfo info = reply_info(*reply, answered);
  if (r.json) {
    std::fputs(json_text(reply->reply, reply->wire, info).c_str(), stdout);
  } else if (r.short_form) {
    std::fputs(short_text(reply->reply).c_str(), stdout);
  } else {
    // dig reports the retry before its banner, as it happens.
    if (reply->over_tcp && !r.tcp) std::fputs(";; Truncated, retrying in TCP mode.\n", stdout);
    if (r.cmd) std::fputs(banner(r.args_text, servers_found(r, *servers)).c_str(), stdout);
    std::fputs(with_tsig_section(reply_text(reply->reply, info, r.display), tsig).c_str(), stdout);
  }
  return 0;
}

// AXFR (RFC 5936) and IXFR (RFC 1995) go over TCP whatever +tcp says, as dig sends them. A
// refusal prints "; Transfer failed." and is a reply (status 0), as in dig.
int run_transfer(const DigRequest& r, const DigArguments& a) {
  auto servers = stub_servers(r, a);
  if (!servers) {
    std::fprintf(stderr, "mxkit dig: %s\n", servers.error().message.c_str());
    return kExitInternal;
  }
  auto wire = dns::build_message(make_query(r));
  if (!wire) {
    std::fprintf(stderr, "mxkit dig: %s\n", wire.error().message.c_str());
    return kExitInternal;
  }
  std::FILE* errors = r.json ? stderr : stdout;
  asio::io_context io;
  const auto timeout = query_timeout(r, a);
  for (unsigned attempt = 0; attempt < r.tries; ++attempt) {
    for (const auto& server : *servers) {
      XfrCounts counts;
      std::vector<std::string> json;
      std::string why;
      const auto started = std::chrono::steady_clock::now();
      const XfrEnd end =
          run_awaitable(io, transfer_from(io.get_executor(), server, *wire, r, timeout,
                                          servers_found(r, *servers), counts, json, why));
      const auto elapsed = std::chrono::steady_clock::now() - started;
      if (end == XfrEnd::NoConnection) {
        print_failure(errors, server, r, true, why, why == "connection refused");
        continue;
      }
      if (r.json) {
        std::string out = "[\n";
        for (std::size_t i = 0; i < json.size(); ++i)
          out += json[i].substr(0, json[i].size() - 1) + (i + 1 < json.size() ? ",\n" : "\n");
        std::fputs((out + "]\n").c_str(), stdout);
      }
      if (end == XfrEnd::Refused) {
        std::fputs(r.json ? "" : "; Transfer failed.\n", stdout);
        if (r.json) std::fputs("; Transfer failed.\n", stderr);
        return 0;
      }
      if (end == XfrEnd::Broken) {
        std::fputs(communications_error(address_text(server.address), server.port, why).c_str(),
                   errors);
        return kExitNoReply;
      }
      if (!r.json && !r.short_form && r.display.stats) {
        const std::string address = address_text(server.address);
        std::string out =
            fmt::format(";; Query time: {} msec\n",
                        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
        out += fmt::format(";; SERVER: {}({}) (TCP)\n", server_text(address, server.port), address);
        out += fmt::format(";; WHEN: {}\n", when_text(std::time(nullptr)));
        out += xfr_size_line(counts.records, counts.messages, counts.bytes) + "\n";
        std::fputs(out.c_str(), stdout);
      }
      return 0;
    }
  }
  if (!r.json) std::fputs(";; no servers could be reached\n", stdout);
  return kExitNoReply;
}

// +trace: from --root-hints, or, as dig does, from the root NS set the stub server gives; then
// every referral down to the answer, each with the server that gave it. +json gives the same
// steps as one JSON document.
int run_trace(const DigRequest& r, const DigArguments& a) {
  asio::io_context io;
  std::map<std::string, std::string> names;
  TraceStart start;
  std::string out;
  resolver::ResolverConfig config;
  const std::optional<std::uint16_t> port = a.resolver.dns_port != 0
                                                ? std::optional<std::uint16_t>(a.resolver.dns_port)
                                            : a.port != 0 ? std::optional<std::uint16_t>(a.port)
                                                          : std::nullopt;
  std::size_t found = 0;
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
      if (record.type == dns::rrtype::NS && record.owner.is_root()) {
        out += record_line(record) + '\n';
        start.records.push_back(record);
      }
    out += fmt::format(";; Root servers from {}\n\n", a.resolver.root_hints);
    start.source = fmt::format("root hints {}", a.resolver.root_hints);
  } else {
    auto servers = stub_servers(r, a);
    if (!servers) {
      std::fprintf(stderr, "mxkit dig: %s\n", servers.error().message.c_str());
      return kExitInternal;
    }
    found = servers_found(r, *servers);
    DigRequest roots = r;
    roots.name = dns::Name();
    roots.type = dns::rrtype::NS;
    roots.cls = dns::rrclass::IN;
    resolver::ServerAddress answered;
    auto reply = ask(io, *servers, make_query(roots), roots, query_timeout(r, a), answered,
                     r.json ? stderr : stdout);
    if (!reply) {
      if (!r.json) {
        if (r.cmd) std::fputs(banner(r.args_text, found).c_str(), stdout);
        std::fputs(";; no servers could be reached\n", stdout);
      }
      return kExitNoReply;
    }
    const std::string address = address_text(answered.address);
    for (const auto& record : reply->reply.answer) out += record_line(record) + '\n';
    start.records = reply->reply.answer;
    start.source = server_text(address, answered.port);
    out +=
        fmt::format(";; Received {} bytes from {}({}) in {} ms\n\n", reply->wire.size(),
                    server_text(address, answered.port), address,
                    std::chrono::duration_cast<std::chrono::milliseconds>(reply->elapsed).count());
    learn_names(reply->reply.additional, names);
    config.mode = resolver::ResolverConfig::Mode::Iterative;
    for (const auto& [ip, name] : names) {
      std::error_code ec;
      const auto parsed = asio::ip::make_address(ip, ec);
      if (!ec) config.root_servers.push_back({parsed, 53});
    }
    if (config.root_servers.empty()) {
      if (!r.json) {
        if (r.cmd) std::fputs(banner(r.args_text, found).c_str(), stdout);
        std::fputs(out.c_str(), stdout);
        std::fputs(";; no root server addresses in the reply to \". NS\"\n", stdout);
      } else {
        std::fputs("mxkit dig: no root server addresses in the reply to \". NS\"\n", stderr);
      }
      return kExitNoReply;
    }
    config.port_override = port;
    if (r.timeout_s || a.resolver.timeout_ms != 0) config.timeout = query_timeout(r, a);
  }
  if (r.cmd) out = banner(r.args_text, found) + out;
  if (r.timeout_s) config.timeout = std::chrono::seconds(*r.timeout_s);
  config.trace = true;
  config.edns_udp_size = r.bufsize;
  resolver::Resolver resolver(io.get_executor(), config);
  const resolver::Resolution resolution = run_awaitable(io, resolver.resolve(r.name, r.type));
  for (const auto& step : resolution.trace) {
    learn_names(step.records, names);
    out += trace_step_text(step, names, !(step.qname == r.name && step.qtype == r.type));
  }
  const bool replied = resolution.status != resolver::Status::Timeout;
  if (r.json) {
    std::fputs(trace_json_text({r.name, r.type, r.cls}, start, resolution, names).c_str(), stdout);
    return replied ? 0 : kExitNoReply;
  }
  if (resolution.status == resolver::Status::ServFail ||
      resolution.status == resolver::Status::Timeout)
    out += fmt::format(";; {}: {}\n", resolver::status_name(resolution.status), resolution.detail);
  std::fputs(out.c_str(), stdout);
  return replied ? 0 : kExitNoReply;
}

}  // namespace mxkit::cli::dig
