// libFuzzer target: any bytes as a server's reply stream, fed to the ReplyReader in pieces.
// Every reply it returns has a valid code, and its wire form reads back as the same reply.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz_check.hpp"
#include "smtp/reply.hpp"

namespace {

using namespace mxkit;

using mxkit::fuzzing::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t step = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  smtp::ReplyReader reader;
  for (std::size_t pos = 0; pos < input.size(); pos += step) {
    const auto piece = input.substr(pos, step);
    reader.feed(std::span<const char>(piece.data(), piece.size()));
    while (auto r = reader.next()) {
      if (!r->has_value()) continue;
      const auto& reply = **r;
      check(reply.code >= 200 && reply.code <= 599 && !reply.lines.empty());
      check(reply.enhanced.empty() || smtp::is_enhanced_code(reply.enhanced));
      smtp::ReplyReader again;
      const auto wire = reply.wire();
      again.feed(std::span<const char>(wire.data(), wire.size()));
      auto back = again.next();
      check(back.has_value() && back->has_value());
      check((*back)->code == reply.code && (*back)->enhanced == reply.enhanced &&
            (*back)->lines == reply.lines);
    }
  }
  return 0;
}
