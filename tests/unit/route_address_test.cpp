// `mxkit route`'s reading of its ADDRESS|DOMAIN argument: the domain, or a clear refusal.
#include <string>

#include <gtest/gtest.h>

#include "cli/route_command.hpp"

using mxkit::cli::domain_of_address;

namespace {

struct AddressCase {
  const char* text;
  const char* domain;  // expected domain, or nullptr for an error
  const char* error;   // a part of the expected error
};

TEST(RouteAddress, DomainOrClearError) {
  const AddressCase cases[] = {
      {"example.test", "example.test.", ""},
      {"example.test.", "example.test.", ""},
      {"user@example.test", "example.test.", ""},
      {"<user@Example.Test>", "Example.Test.", ""},
      {"first.last+tag@example.test", "example.test.", ""},
      {"\"a b@c\"@example.test", "example.test.", ""},
      {"\"q\\\"uote\"@example.test", "example.test.", ""},
      {"", nullptr, "empty address"},
      {"user@", nullptr, "empty domain"},
      {"@example.test", nullptr, "empty local part"},
      {"a..b@example.test", nullptr, "dots must separate atoms"},
      {".a@example.test", nullptr, "dots must separate atoms"},
      {"a b@example.test", nullptr, "needs quoting"},
      {"\"open@example.test", nullptr, "no closing quote"},
      {"\"q\"example.test", nullptr, "followed by @domain"},
      {"user@[192.0.2.1]", nullptr, "address literal"},
      {"user@exa mple.test", nullptr, "not a domain name"},
      {"user@example..test", nullptr, "empty label"},
      {"user@.", nullptr, "empty label"},
      {"user@b\xc3\xbc"
       "cher.test",
       nullptr, "A-label"},
      {"user@a@example.test", nullptr, "not a domain name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto got = domain_of_address(c.text);
    if (c.domain) {
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(*got, c.domain);
    } else {
      ASSERT_FALSE(got) << *got;
      EXPECT_NE(got.error().message.find(c.error), std::string::npos) << got.error().message;
    }
  }
}

}  // namespace
