// libFuzzer target: any text as the argument of MAIL FROM:/RCPT TO: under every option
// combination, and as a bare mailbox. What parses obeys the limits and the options, and
// parses again the same when written back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "smtp/address.hpp"

namespace {

using namespace mxkit;

using mxkit::fuzzing::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (int bits = 0; bits < 8; ++bits) {
    const smtp::ParseOptions options{.allow_null = (bits & 1) != 0,
                                     .allow_postmaster = (bits & 2) != 0,
                                     .allow_utf8 = (bits & 4) != 0};
    const auto r = smtp::parse_path_argument(text, options);
    if (!r) {
      check(!r.error().message.empty());
      continue;
    }
    const auto& path = r->path;
    if (path.null) {
      check(options.allow_null);
      continue;
    }
    if (!options.allow_utf8) check(!path.mailbox.is_utf8());
    if (path.mailbox.domain.empty()) {
      check(options.allow_postmaster);
      continue;
    }
    check(path.mailbox.local.size() <= 64 && path.mailbox.domain.size() <= 255);
    const auto again = smtp::parse_path_argument("<" + path.mailbox.text() + ">", options);
    check(again.has_value() && again->path.mailbox == path.mailbox);
    const auto bare = smtp::parse_mailbox(path.mailbox.text(), options.allow_utf8);
    check(bare.has_value() && *bare == path.mailbox);
  }
  for (bool utf8 : {false, true}) {
    const auto m = smtp::parse_mailbox(text, utf8);
    if (m && !utf8) check(!m->is_utf8());
  }
  return 0;
}
