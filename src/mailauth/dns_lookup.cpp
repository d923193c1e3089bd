// Helpers shared by the mail-authentication parsers and evaluators: literal names and TXT text.
#include "mailauth/dns_lookup.hpp"

#include <fmt/format.h>

namespace mxkit::mailauth {

std::string_view dns_status_name(DnsStatus status) {
  switch (status) {
    case DnsStatus::Answer: return "answer";
    case DnsStatus::NoData: return "nodata";
    case DnsStatus::NxDomain: return "nxdomain";
    case DnsStatus::TempFail: return "tempfail";
  }
  return "tempfail";
}

core::Result<dns::Name> name_from_dotted(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  std::vector<std::uint8_t> wire;
  wire.reserve(text.size() + 2);
  if (!text.empty()) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] != '.') continue;
      const std::size_t length = i - start;
      if (length == 0) return core::fail(fmt::format("\"{}\" has an empty label", text));
      if (length > dns::kMaxLabelLength)
        return core::fail(
            fmt::format("\"{}\" has a label of {} octets (at most 63)", text, length));
      wire.push_back(static_cast<std::uint8_t>(length));
      wire.insert(wire.end(), text.begin() + static_cast<std::ptrdiff_t>(start),
                  text.begin() + static_cast<std::ptrdiff_t>(i));
      start = i + 1;
    }
  }
  wire.push_back(0);
  if (wire.size() > dns::kMaxNameLength)
    return core::fail(
        fmt::format("\"{}\" is {} octets long in DNS (at most 255)", text, wire.size()));
  return dns::Name::from_wire(dns::WireName(wire.data(), wire.size()));
}

core::Result<std::string> txt_rdata_text(const std::vector<std::uint8_t>& rdata) {
  std::string out;
  std::size_t i = 0;
  while (i < rdata.size()) {
    const std::size_t length = rdata[i];
    if (i + 1 + length > rdata.size()) return core::fail("TXT RDATA: a string runs past the end");
    out.append(reinterpret_cast<const char*>(rdata.data() + i + 1), length);
    i += 1 + length;
  }
  return out;
}

}  // namespace mxkit::mailauth
