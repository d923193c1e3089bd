// Test-only program: stores messages into a spool through the real Spool (group commit and
// all), so the system tests can drive `mxkit queue` on a spool before the SMTP server exists.
//   spool_probe --spool DIR --count N [--to ADDR]... [--defer-hours H]
// Prints one queue id per line. With --defer-hours, each message gets a state record as the
// delivery side would write it: first recipient delivered, the others deferred by 451.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "queue/spool.hpp"

int main(int argc, char** argv) {
  CLI::App app{"spool_probe: store test messages into an mxkit spool"};
  std::string spool_dir;
  unsigned count = 1;
  std::vector<std::string> to{"bob@example.test", "carol@remote.test"};
  std::string from = "alice@example.test";
  double defer_hours = 0;
  app.add_option("--spool", spool_dir)->required();
  app.add_option("--count", count);
  app.add_option("--from", from);
  app.add_option("--to", to);
  app.add_option("--defer-hours", defer_hours);
  CLI11_PARSE(app, argc, argv);

  auto spool = mxkit::queue::Spool::open(spool_dir);
  if (!spool) {
    std::fprintf(stderr, "spool_probe: %s\n", spool.error().message.c_str());
    return 1;
  }
  for (unsigned i = 0; i < count; ++i) {
    mxkit::queue::NewMessage n;
    n.sender = from;
    n.recipients = to;
    n.client_address = "127.0.0.1";
    n.helo = "probe.example.test";
    n.content = "Received: from probe.example.test (127.0.0.1)\r\nFrom: <" + from +
                ">\r\nSubject: probe " + std::to_string(i) + "\r\n\r\nbody " + std::to_string(i) +
                "\r\n";
    auto m = (*spool)->store_sync(std::move(n));
    if (!m) {
      std::fprintf(stderr, "spool_probe: %s\n", m.error().message.c_str());
      return 1;
    }
    if (defer_hours > 0) {
      m->recipients[0].state = mxkit::queue::RecipientState::Delivered;
      m->recipients[0].attempts = 1;
      m->recipients[0].remote_mta = "maildir";
      for (std::size_t r = 1; r < m->recipients.size(); ++r) {
        m->recipients[r].attempts = 1;
        m->recipients[r].last_reply = "451 4.7.1 greylisted, try again later";
        m->recipients[r].status = "4.7.1";
        m->recipients[r].remote_mta = "mx1.remote.test[127.0.1.2]:25";
      }
      m->attempts = 1;
      m->last_error = "451 4.7.1 greylisted, try again later";
      m->next_attempt =
          m->arrival + std::chrono::duration_cast<mxkit::queue::Clock::duration>(
                           std::chrono::duration<double, std::ratio<3600>>(defer_hours));
      if (auto r = (*spool)->update(*m); !r) {
        std::fprintf(stderr, "spool_probe: %s\n", r.error().message.c_str());
        return 1;
      }
    }
    std::printf("%s\n", m->id.c_str());
  }
  return 0;
}
