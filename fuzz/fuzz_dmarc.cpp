// libFuzzer target: any text as a DMARC record (RFC 7489 §6.4). What parses has values in
// range and well-formed report URIs; errors name a position inside the record.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "mailauth/dmarc.hpp"

using mxkit::fuzzing::check;
using namespace mxkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = mailauth::parse_dmarc_record(text);
  if (!r) {
    check(r.error().position <= text.size() && !r.error().message.empty());
    return 0;
  }
  check(r->percent <= 100);
  for (const auto* list : {&r->aggregate_reports, &r->failure_reports}) {
    for (const auto& uri : *list) {
      check(!uri.scheme.empty() && !uri.uri.empty());
      if (uri.scheme == "mailto")
        check(uri.address.find('@') != std::string::npos && !uri.domain.empty());
    }
  }
  check(!r->public_suffix || *r->public_suffix == 'y' || *r->public_suffix == 'n' ||
        *r->public_suffix == 'u');
  static const auto psl = mailauth::PublicSuffixList::from_text("com\nnet\nco.uk\n*.ck\n!www.ck\n");
  for (const auto& uri : r->aggregate_reports)
    if (!uri.domain.empty())
      (void)mailauth::report_authorization_name("example.com", uri.domain, psl);
  return 0;
}
