// libFuzzer target: any bytes as an arrival log segment must decode (as far as they read well)
// or give an error, never crash or read past the end. What decodes must encode again, frame by
// frame, to a segment that decodes to the same messages, contents and done ids, with no damage.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "queue/arrival_log.hpp"

namespace {

namespace queue = mxkit::queue;
using mxkit::fuzzing::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = queue::decode_log_segment(bytes);
  if (!decoded) {
    check(!decoded.error().message.empty());
    return 0;
  }
  check(decoded->valid_end <= size);
  if (decoded->free) {
    check(decoded->arrivals.empty() && decoded->done.empty());
    return 0;
  }
  const auto generation = decoded->generation;
  std::string again = queue::encode_log_header(generation);
  for (const auto& arrival : decoded->arrivals)
    again += queue::encode_log_arrival(generation, arrival.message, arrival.content);
  for (const auto& id : decoded->done) again += queue::encode_log_done(generation, id);
  auto back = queue::decode_log_segment(again);
  check(back.has_value());
  check(back->generation == generation);
  check(back->damage.empty() && back->valid_end == again.size());
  check(back->arrivals.size() == decoded->arrivals.size());
  for (std::size_t i = 0; i < back->arrivals.size(); ++i) {
    check(back->arrivals[i].message.id == decoded->arrivals[i].message.id);
    check(back->arrivals[i].message.sender == decoded->arrivals[i].message.sender);
    check(back->arrivals[i].message.recipients.size() ==
          decoded->arrivals[i].message.recipients.size());
    check(back->arrivals[i].content == decoded->arrivals[i].content);
  }
  check(back->done == decoded->done);
  return 0;
}
