// Test helper: a query-ready zone from zone-file text, the way the server builds one from a file.
// Any parser diagnostic or build error fails the calling test.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>

#include "auth/zone.hpp"
#include "dns/zone/parser.hpp"
#include "dns/zone/record_table.hpp"

namespace mxkit::test_support {

inline std::shared_ptr<const auth::Zone> zone_from_text(std::string_view origin, std::string_view text,
                                                        std::optional<std::uint32_t> default_ttl = {}) {
  dns::zone::CollectingSink sink;
  dns::zone::ParseOptions options;
  options.origin = *dns::Name::from_text(origin);
  options.default_ttl = default_ttl;
  dns::zone::parse_zone_text(text, "test zone", options, sink);
  EXPECT_TRUE(sink.diagnostics.empty()) << sink.diagnostics.front().message;
  auto zone = auth::Zone::build(options.origin, std::move(sink.records));
  EXPECT_TRUE(zone) << zone.error().message;
  return zone ? *zone : nullptr;
}

}  // namespace mxkit::test_support
