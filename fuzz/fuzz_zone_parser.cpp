// libFuzzer target: any bytes as a zone file must give records or diagnostics, never a crash.
// Every record that comes out must print and read back to the same octets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"

namespace {

class RoundTripSink : public mxkit::dns::zone::Sink {
 public:
  void record(const mxkit::dns::zone::RecordView& r) override {
    std::string text;
    mxkit::dns::append_rdata_text(r.type, r.rdata, text);
    // Re-read the printed rdata with the parser itself, as `zone print` output would be read.
    std::string line = ". 0 IN " + mxkit::dns::type_to_text(r.type) + " " + text + "\n";
    struct Check : mxkit::dns::zone::Sink {
      std::vector<std::uint8_t> rdata;
      bool got = false;
      void record(const mxkit::dns::zone::RecordView& again) override {
        rdata.assign(again.rdata.begin(), again.rdata.end());
        got = true;
      }
      void diagnostic(const mxkit::dns::zone::Diagnostic&) override {}
    } check;
    mxkit::dns::zone::ParseOptions options;
    mxkit::dns::zone::parse_zone_text(line, "roundtrip", options, check);
    if (!check.got || check.rdata != std::vector<std::uint8_t>(r.rdata.begin(), r.rdata.end()))
      __builtin_trap();
  }
  void diagnostic(const mxkit::dns::zone::Diagnostic&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mxkit::dns::zone::ParseOptions options;
  options.max_include_depth = 0;  // the fuzzer must not read files
  options.max_generate = 256;
  RoundTripSink sink;
  mxkit::dns::zone::parse_zone_text(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.zone", options, sink);
  return 0;
}
