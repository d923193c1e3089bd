// libFuzzer target: random message fields and original content into build_dsn. Whatever the
// remote replies, addresses and headers hold, the DSN must be CRLF lines only, each at most
// 998 octets, with its MIME boundary nowhere but on the delimiter lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "queue/dsn.hpp"

namespace {

namespace queue = mxkit::queue;

using mxkit::fuzzing::check;

// Input: fields separated by NUL; the first octet of each recipient's address field picks its
// state.
std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  while (out.size() < 64) {
    auto nul = s.find('\0');
    out.push_back(s.substr(0, nul));
    if (nul == std::string_view::npos) break;
    s.remove_prefix(nul + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto f = split(std::string_view(reinterpret_cast<const char*>(data), size));
  auto at = [&](std::size_t i) { return i < f.size() ? f[i] : std::string_view{}; };
  queue::Message m;
  m.id = std::string(at(0));
  m.sender = std::string(at(1));
  m.arrival = queue::Clock::time_point(
      std::chrono::seconds(static_cast<std::int64_t>(at(2).size()) * 86399));
  for (std::size_t i = 4; i + 3 < f.size(); i += 4) {
    queue::Recipient r;
    r.address = std::string(at(i));
    r.state = static_cast<queue::RecipientState>(
        (r.address.empty() ? 0 : static_cast<std::uint8_t>(r.address[0])) % 4);
    r.last_reply = std::string(at(i + 1));
    r.status = std::string(at(i + 2));
    r.remote_mta = std::string(at(i + 3));
    r.attempts = static_cast<std::uint32_t>(r.last_reply.size() % 3);
    m.recipients.push_back(std::move(r));
  }
  queue::DsnOptions options;
  options.reporting_mta = std::string(at(3));
  options.now = queue::Clock::time_point(std::chrono::seconds(1765014000));
  options.boundary_seed = m.id;
  options.lifetime = std::chrono::hours(size % 200);
  options.max_headers = 1 + size % 4096;
  std::string_view original = f.size() > 1 ? f.back() : std::string_view{};

  for (auto kind : {queue::DsnKind::Failure, queue::DsnKind::Delay}) {
    std::string dsn = queue::build_dsn(m, original, kind, options);
    // CRLF lines, none longer than 998 octets (RFC 5322 §2.1.1), no bare CR or LF.
    std::size_t pos = 0;
    while (pos < dsn.size()) {
      auto end = dsn.find("\r\n", pos);
      check(end != std::string::npos);
      std::string_view line(dsn.data() + pos, end - pos);
      check(line.size() <= 998);
      check(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
      pos = end + 2;
    }
    // The boundary from the Content-Type, then: 3 part delimiters and 1 close, nothing else.
    // Content-Type is the last header field; the sender's address (in To:, before it) may hold
    // 'boundary="' too, so the last one in the header block is the real one.
    auto head_end = dsn.find("\r\n\r\n");
    check(head_end != std::string::npos);
    auto b = dsn.rfind("boundary=\"", head_end);
    check(b != std::string::npos);
    b += 10;
    auto e = dsn.find('"', b);
    std::string marker = "--" + dsn.substr(b, e - b);
    std::size_t count = 0;
    for (auto p = dsn.find(marker); p != std::string::npos; p = dsn.find(marker, p + 1)) {
      check(p >= 2 && dsn.compare(p - 2, 2, "\r\n") == 0);
      auto tail = dsn.substr(p + marker.size(), 4);
      check(tail.rfind("\r\n", 0) == 0 || tail == "--\r\n");
      ++count;
    }
    check(count == 4);
  }
  return 0;
}
