// libFuzzer target: any bytes as an MTA-STS policy body (RFC 8461 §3.2) and as the HTTP
// response carrying one (§3.3). What parses has values in range and mx patterns that match
// themselves; errors are sentences; nothing crashes or reads out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mailauth/mta_sts.hpp"

using mxkit::fuzzing::check;
using namespace mxkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto p = mailauth::parse_mta_sts_policy(text)) {
    check(p->max_age <= mailauth::kMtaStsMaxAge);
    check(p->mode == mailauth::MtaStsMode::None || !p->mx.empty());
    for (const auto& pattern : p->mx) {
      check(!pattern.empty());
      // A plain pattern matches its own name; a wildcard one matches "x." before its suffix.
      const std::string host = pattern.starts_with("*.") ? "x" + pattern.substr(1) : pattern;
      check(mailauth::mta_sts_mx_matches(pattern, host));
    }
  } else {
    check(!p.error().message.empty());
  }
  if (auto r = mailauth::parse_http_response(text, 4096)) {
    check(r->status <= 999 && r->body.size() <= 4096);
    (void)mailauth::policy_body(*r);
  } else {
    check(!r.error().message.empty());
  }
  return 0;
}
