// CPU per authoritative answer, without sockets: the answer function on a generated zone shaped
// like ../shared/bench/gen_zone.py's (names with A, AAAA, MX 10 itself, MX 20 backup, TXT), asked
// for MX with 10% names that do not exist, as dns_qps.sh asks.
#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "auth/answer.hpp"
#include "auth/prefetch.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace {

constexpr int kNames = 100000;

const mxkit::auth::ZoneSet& zones() {
  static const mxkit::auth::ZoneSet set = [] {
    std::string text = "$ORIGIN bench.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 3600 900 1209600 300\n"
                       "@ NS ns1\n@ NS ns2\nns1 A 127.0.0.53\nns2 A 127.0.0.54\nbackup A 127.0.0.25\n"
                       "backup AAAA 2001:db8::25\n";
    for (int i = 0; i < kNames; ++i)
      text += fmt::format("h{0} A 127.0.{1}.{2}\nh{0} AAAA 2001:db8::{3:x}\nh{0} MX 10 h{0}\nh{0} MX 20 backup\n"
                          "h{0} TXT \"v=spf1 mx -all\"\n", i, i / 250 % 256, i % 250 + 1, i);
    mxkit::dns::zone::CollectingSink sink;
    mxkit::dns::zone::ParseOptions options;
    options.origin = *mxkit::dns::Name::from_text("bench.test.");
    mxkit::dns::zone::parse_zone_text(text, "bench", options, sink);
    auto zone = mxkit::auth::Zone::build(options.origin, std::move(sink.records));
    mxkit::auth::ZoneSet s;
    s.add(*zone);
    return s;
  }();
  return set;
}

std::vector<std::vector<std::uint8_t>> queries() {
  std::vector<std::vector<std::uint8_t>> out;
  // As many distinct queries as names, in a scattered order, so the zone's index does not sit in
  // the cache any more than it does under dnsperf's 100k-query file.
  for (int i = 0; i < kNames; ++i) {
    std::string name = i % 10 == 9 ? fmt::format("nx{}.bench.test.", i) : fmt::format("h{}.bench.test.", i * 7919 % kNames);
    std::vector<std::uint8_t> buffer(512);
    mxkit::dns::Header h;
    h.id = static_cast<std::uint16_t>(i);
    mxkit::dns::MessageBuilder b(buffer, h);
    b.add_question(mxkit::dns::Name::from_text(name)->wire(), mxkit::dns::rrtype::MX, 1);
    mxkit::dns::Edns edns;
    b.set_edns(edns);
    auto m = b.finish();
    out.emplace_back(m.begin(), m.end());
  }
  return out;
}

void BM_AnswerMx(benchmark::State& state) {
  const auto& z = zones();
  auto qs = queries();
  std::vector<std::uint8_t> out(1232);
  mxkit::auth::AnswerOptions options;
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = mxkit::auth::answer_query(z, qs[i++ % qs.size()], out, false, options);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AnswerMx);

// The same, a batch of 32 at a time with the two prefetch stages first, as the server does.
void BM_AnswerMxBatch(benchmark::State& state) {
  const auto& z = zones();
  auto qs = queries();
  std::vector<std::uint8_t> out(1232);
  mxkit::auth::AnswerOptions options;
  std::size_t i = 0;
  constexpr std::size_t kBatch = 32;
  const int kStages = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::array<mxkit::auth::PrefetchTicket, kBatch> tickets;
    for (std::size_t k = 0; k < kBatch; ++k) tickets[k] = mxkit::auth::prefetch_answer(z, qs[(i + k) % qs.size()]);
    for (int stage = 1; stage <= kStages; ++stage)
      for (const auto& t : tickets) mxkit::auth::prefetch_answer(t, stage);
    for (std::size_t k = 0; k < kBatch; ++k) {
      auto r = mxkit::auth::answer_query(z, qs[i++ % qs.size()], out, false, options);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_AnswerMxBatch)->Arg(0)->Arg(1)->Arg(2)->Arg(3);

}  // namespace

BENCHMARK_MAIN();
