// libFuzzer target: any bytes as a spool file must decode to a message or give an error, never
// crash or read past the end. What decodes must encode again (first write + one state record)
// and decode to the same message, content and state.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "queue/spool_file.hpp"

namespace {

namespace queue = mxkit::queue;
namespace spool_file = mxkit::queue::spool_file;

using mxkit::fuzzing::check;

bool same(const queue::Message& a, const queue::Message& b) {
  if (a.id != b.id || a.sender != b.sender || a.arrival != b.arrival ||
      a.client_address != b.client_address || a.helo != b.helo || a.size != b.size ||
      a.body_8bit != b.body_8bit || a.smtputf8 != b.smtputf8 || a.attempts != b.attempts ||
      a.next_attempt != b.next_attempt || a.last_error != b.last_error ||
      a.delay_warning_sent != b.delay_warning_sent || a.bounce_sent != b.bounce_sent ||
      a.recipients.size() != b.recipients.size())
    return false;
  for (std::size_t i = 0; i < a.recipients.size(); ++i) {
    const auto &x = a.recipients[i], &y = b.recipients[i];
    if (x.address != y.address || x.state != y.state || x.attempts != y.attempts ||
        x.last_reply != y.last_reply || x.status != y.status || x.remote_mta != y.remote_mta)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  auto decoded = spool_file::decode(file);
  if (!decoded) {
    check(!decoded.error().reason.empty());
    return 0;
  }
  check(decoded->valid_end <= size);
  check(decoded->content_offset + decoded->content_size <= decoded->valid_end);
  check(decoded->torn_tail == (decoded->valid_end < size));
  std::string_view content = file.substr(decoded->content_offset, decoded->content_size);
  std::string again = spool_file::encode_new(decoded->message, content) +
                      spool_file::encode_state(decoded->message);
  auto back = spool_file::decode(again);
  check(back.has_value());
  check(same(back->message, decoded->message));
  check(again.substr(back->content_offset, back->content_size) == content);
  check(!back->torn_tail && back->valid_end == again.size());
  return 0;
}
