// libFuzzer target: any bytes as the reply to a fixed query go through the resolver's reply
// check, classification (iterative and stub), cache insertion and the iterative state machine,
// and must never crash; what the cache then answers must be consistent.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "dns/rrtype.hpp"
#include "resolver/cache.hpp"
#include "resolver/classify.hpp"
#include "resolver/iterative.hpp"
#include "resolver/query.hpp"

namespace {

using namespace mxkit;

using mxkit::fuzzing::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto qname = *dns::Name::from_text("www.example.test.");
  auto query = resolver::make_query(qname, dns::rrtype::A, false, 1232);
  query.header.id = 0x2f1d;
  // The ID is the first thing checked; matching it lets the fuzzer reach the rest.
  std::vector<std::uint8_t> wire(data, data + size);
  if (wire.size() >= 2) {
    wire[0] = 0x2f;
    wire[1] = 0x1d;
  }
  auto checked = resolver::check_reply(query, wire);
  check(checked.reply.has_value() == (checked.verdict == resolver::ReplyVerdict::Accept));
  if (!checked.reply) return 0;
  const auto& reply = *checked.reply;

  resolver::CacheLimits limits;
  limits.max_bytes = 4096;  // small, so eviction runs too
  resolver::Cache cache(limits);
  for (const char* zone : {".", "test.", "example.test."}) {
    auto c =
        resolver::classify_reply(reply, qname, dns::rrtype::A, {*dns::Name::from_text(zone), true});
    if (c.kind == resolver::ReplyKind::Referral)
      check(qname.is_subdomain_of(c.cut) && !c.ns.empty());
    for (const auto& g : c.glue) check(g.owner.is_subdomain_of(*dns::Name::from_text(zone)));
    resolver::cache_classified(cache, c, dns::rrtype::A, true);
    check(cache.bytes() <= limits.max_bytes);
  }
  auto stub = resolver::classify_reply(reply, qname, dns::rrtype::A, {dns::Name(), false});
  resolver::cache_classified(cache, stub, dns::rrtype::A, false);
  auto looked = cache.lookup(qname, dns::rrtype::A, 8);
  check(looked.cnames.size() <= 8);
  if (looked.resolution) check(looked.resolution->from_cache);
  cache.closest_delegation(qname);

  // The state machine, asked by the root hints, given this reply.
  resolver::ResolverConfig config;
  config.mode = resolver::ResolverConfig::Mode::Iterative;
  config.root_servers.push_back({asio::ip::make_address("127.0.0.2"), 53});
  resolver::Cache fresh(limits);
  resolver::ServerHealth health;
  resolver::WorkBudget budget{8, std::chrono::steady_clock::now() + std::chrono::seconds(60)};
  resolver::Iteration it(qname, dns::rrtype::A, config, fresh, health, budget, 0);
  const auto now = std::chrono::steady_clock::now();
  for (int step = 0; step < 8; ++step) {
    auto action = it.next(now);
    if (auto* q = std::get_if<resolver::Iteration::Query>(&action)) {
      it.on_reply(*q, reply, now);
    } else if (auto* need = std::get_if<resolver::Iteration::NeedAddresses>(&action)) {
      it.on_addresses(need->host, {}, "fuzz");
    } else {
      break;
    }
  }
  return 0;
}
