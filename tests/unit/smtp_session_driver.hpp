// Test driver for smtp::ServerSession: feeds client bytes, answers decisions with a policy and
// reads the session's output back with the ReplyReader, so every test checks real wire bytes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "smtp/server_session.hpp"

namespace mxkit::smtp::testing {

struct Outcome {
  std::vector<Reply> replies;           // after the greeting, in order
  std::vector<std::string> codes;       // "250 2.1.0" per reply ("250" without enhanced code)
  std::vector<Event> messages;          // Message events
  std::vector<std::string> senders;     // Sender events (path text)
  std::vector<std::string> recipients;  // Recipient events (path text)
  std::vector<std::string> writes;      // each Write event's bytes
  int starttls = 0;
  bool closed = false;
  std::string greeting;
};

using Policy = std::function<Verdict(const Event&)>;

inline Verdict accept_all(const Event& e) {
  switch (e.kind) {
    case Event::Kind::Sender: return Verdict::accept("2.1.0", "Ok");
    case Event::Kind::Recipient: return Verdict::accept("2.1.5", "Ok");
    default: return Verdict::accept("2.0.0", "Ok: queued");
  }
}

class Driver {
 public:
  explicit Driver(ServerConfig config = {}, Policy policy = accept_all)
      : session(std::move(config)), policy_(std::move(policy)) {
    drain();
  }

  // Sends `bytes` in one receive() call and handles every event that follows.
  void send(std::string_view bytes) {
    session.receive(std::span<const char>(bytes.data(), bytes.size()));
    drain();
  }
  void drain() {
    while (auto e = session.next_event()) {
      switch (e->kind) {
        case Event::Kind::Write:
          out.writes.push_back(e->bytes);
          reader_.feed(std::span<const char>(e->bytes.data(), e->bytes.size()));
          while (auto r = reader_.next()) {
            EXPECT_TRUE(r->has_value()) << "bad reply from the session: " << r->error().message;
            if (!r->has_value()) continue;
            if (!seen_greeting_) {
              seen_greeting_ = true;
              out.greeting = (*r)->summary();
              continue;
            }
            out.codes.push_back(std::to_string((*r)->code) +
                                ((*r)->enhanced.empty() ? "" : " " + (*r)->enhanced));
            out.replies.push_back(std::move(**r));
          }
          break;
        case Event::Kind::Sender:
          out.senders.push_back(e->envelope.sender.text());
          if (defer_) return;
          session.answer(policy_(*e));
          break;
        case Event::Kind::Recipient:
          out.recipients.push_back(e->recipient.text());
          if (defer_) return;
          session.answer(policy_(*e));
          break;
        case Event::Kind::Message:
          out.messages.push_back(*e);
          if (defer_) return;
          session.answer(policy_(*e));
          break;
        case Event::Kind::StartTls:
          ++out.starttls;
          if (auto_tls_) session.tls_started("TLSv1.3");
          break;
        case Event::Kind::Close: out.closed = true; break;
      }
    }
  }
  // Leaves decisions pending (the test answers them with decide()).
  void defer(bool on) { defer_ = on; }
  void decide(Verdict v) {
    session.answer(std::move(v));
    drain();
  }
  void auto_tls(bool on) { auto_tls_ = on; }

  ServerSession session;
  Outcome out;

 private:
  Policy policy_;
  ReplyReader reader_;
  bool seen_greeting_ = false;
  bool defer_ = false;
  bool auto_tls_ = true;
};

inline Outcome run(std::string_view input, ServerConfig config = {}, Policy policy = accept_all) {
  Driver d(std::move(config), std::move(policy));
  d.send(input);
  return d.out;
}

// The EHLO reply's code list for the default configuration (one reply, no enhanced code).
inline const std::string kEhlo = "250";

}  // namespace mxkit::smtp::testing
