// The SMTP server session's own cost per message: one pipelined MAIL/RCPT/DATA transaction with
// a message of the given size, every decision accepted, replies collected as the I/O layer would.
#include <string>

#include <benchmark/benchmark.h>

#include "smtp/server_session.hpp"

namespace {

using namespace mxkit;

std::string make_message(std::size_t size) {
  std::string m = "From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n";
  while (m.size() < size)
    m += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\r\n";
  return m;
}

void transactions(benchmark::State& state) {
  const std::string group =
      "MAIL FROM:<a@example.test> SIZE=5000\r\nRCPT TO:<b@example.test>\r\nDATA\r\n";
  const std::string content = make_message(static_cast<std::size_t>(state.range(0))) + ".\r\n";
  smtp::ServerSession session{smtp::ServerConfig{}};
  std::string out;
  auto drain = [&] {
    while (auto e = session.next_event()) {
      switch (e->kind) {
        case smtp::Event::Kind::Write: out += e->bytes; break;
        case smtp::Event::Kind::Sender: session.answer(smtp::Verdict::accept("2.1.0", "Ok")); break;
        case smtp::Event::Kind::Recipient:
          session.answer(smtp::Verdict::accept("2.1.5", "Ok"));
          break;
        case smtp::Event::Kind::Message:
          benchmark::DoNotOptimize(e->content.data());
          session.answer(smtp::Verdict::accept("2.0.0", "Ok: queued as 1"));
          break;
        default: break;
      }
    }
  };
  const std::string ehlo = "EHLO client.example.test\r\n";
  session.receive(ehlo);
  drain();
  for (auto _ : state) {
    session.receive(group);
    drain();
    session.receive(content);
    drain();
    out.clear();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(content.size()));
}
BENCHMARK(transactions)->Arg(1000)->Arg(4000)->Arg(100000);

}  // namespace

BENCHMARK_MAIN();
