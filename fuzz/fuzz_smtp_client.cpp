// Any bytes as a server's replies into the SMTP client session: it must never crash, hang or
// lose a recipient (every transaction ends with one result per recipient, or the session closes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "smtp/client_session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mxkit::smtp::ClientAction;
  mxkit::smtp::ClientConfig config;
  config.pipelining = size > 0 && (data[0] & 1);
  mxkit::smtp::ClientSession session(config);
  int transactions = 0;
  // Feed the input in slices of varying length, driving the session between them.
  std::size_t i = 0;
  while (true) {
    while (auto a = session.next_action()) {
      switch (a->kind) {
        case ClientAction::Kind::StartTls: session.tls_started(size > 1 && (data[1] & 1)); break;
        case ClientAction::Kind::Ready:
          if (transactions++ < 3) {
            mxkit::smtp::Transaction t;
            t.sender = "a@x.test";
            t.recipients = {"b@y.test", "c@y.test"};
            t.content = "Subject: x\r\n\r\n.body\r\n";
            session.send(t);
          } else {
            session.quit();
          }
          break;
        case ClientAction::Kind::Done:
          if (a->results.size() != 2) __builtin_trap();  // a recipient lost or invented
          break;
        default: break;
      }
    }
    if (i >= size) break;
    const std::size_t n = 1 + (data[i] % 64);
    const std::size_t take = n < size - i ? n : size - i;
    session.receive({reinterpret_cast<const char*>(data + i), take});
    i += take;
  }
  session.closed();
  while (session.next_action()) {
  }
  return 0;
}
