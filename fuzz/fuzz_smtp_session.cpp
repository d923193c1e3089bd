// libFuzzer target: any client bytes, split into receive() calls at fuzzer-chosen places, go
// through the SMTP server session; every decision is answered (accept and refuse in turn) and
// STARTTLS completes. Invariants: the session's output is well-formed replies, a Message comes
// only from an accepted sender and recipients, its content has only CRLF line endings and fits
// the size limit, and nothing happens after Close.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz_check.hpp"
#include "smtp/reply.hpp"
#include "smtp/server_session.hpp"

namespace {

using namespace mxkit;

using mxkit::fuzzing::check;

bool only_crlf(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // First byte: the configuration; second: the seed of the receive() split points.
  const std::uint8_t flags = data[0];
  std::uint32_t seed = data[1] | 0x100u;
  smtp::ServerConfig config;
  config.bare_line_ending = (flags & 1) ? smtp::ServerConfig::BareLineEnding::Normalize
                                        : smtp::ServerConfig::BareLineEnding::Reject;
  config.chunking = (flags & 2) == 0;
  config.tls_available = (flags & 4) != 0;
  if (flags & 8) {  // small limits, so the fuzzer reaches them
    config.max_message_size = 64;
    config.max_recipients = 2;
    config.max_line_length = 40;
    config.max_errors = 5;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  smtp::ServerSession session(config);
  smtp::ReplyReader reader;
  bool closed = false, accept = true;
  std::size_t senders_accepted = 0, messages = 0;
  auto drain = [&] {
    while (auto e = session.next_event()) {
      check(!closed);
      switch (e->kind) {
        case smtp::Event::Kind::Write:
          reader.feed(std::span<const char>(e->bytes.data(), e->bytes.size()));
          while (auto r = reader.next()) check(r->has_value());
          break;
        case smtp::Event::Kind::Sender:
          check(session.awaiting_decision());
          if (accept) ++senders_accepted;
          session.answer(accept ? smtp::Verdict::accept("2.1.0", "Ok")
                                : smtp::Verdict::refuse(550, "5.7.1", "no"));
          accept = !accept;
          break;
        case smtp::Event::Kind::Recipient:
          check(e->envelope.recipients.size() < config.max_recipients);
          session.answer(accept ? smtp::Verdict::accept("2.1.5", "Ok")
                                : smtp::Verdict::refuse(550, "5.1.1", "no"));
          accept = !accept;
          break;
        case smtp::Event::Kind::Message:
          ++messages;
          check(messages <= senders_accepted);
          check(!e->envelope.recipients.empty());
          check(e->content.size() <= config.max_message_size);
          check(only_crlf(e->content));
          session.answer(accept ? smtp::Verdict::accept("2.0.0", "queued")
                                : smtp::Verdict::refuse(452, "4.3.1", "full"));
          accept = !accept;
          break;
        case smtp::Event::Kind::StartTls: session.tls_started("TLSv1.3"); break;
        case smtp::Event::Kind::Close: closed = true; break;
      }
    }
  };
  drain();
  std::size_t pos = 0;
  while (pos < input.size()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = 1 + (seed >> 16) % 97;
    const auto piece = input.substr(pos, n);
    pos += piece.size();
    session.receive(std::span<const char>(piece.data(), piece.size()));
    drain();
    check(!session.awaiting_decision());  // every decision was answered
  }
  session.timed_out();
  drain();
  check(session.finished());
  return 0;
}
