// The acceptance policy as tables: recipient → reply, aliases → final addresses, sender MX →
// reply.
#include <gtest/gtest.h>

#include "mta/policy.hpp"

namespace mxkit::mta {
namespace {

AcceptancePolicy make_policy() {
  PolicyConfig config;
  config.local_domains = {"Example.TEST", "other.test"};
  config.mailboxes = {"john.doe@example.test", "Jane@EXAMPLE.test", "*@other.test"};
  config.aliases = {"team@example.test=john.doe@example.test,jane@example.test",
                    "all@example.test=team@example.test,friend@remote.test",
                    "loop@example.test=loop@example.test"};
  config.relay_from = {*net::AddressPrefix::parse("127.0.0.1/32"),
                       *net::AddressPrefix::parse("2001:db8::/32")};
  auto policy = AcceptancePolicy::make(config);
  EXPECT_TRUE(policy) << policy.error().message;
  return *policy;
}

smtp::Path path(std::string local, std::string domain) {
  return smtp::Path{false, {std::move(local), std::move(domain)}};
}

TEST(AcceptancePolicy, Recipients) {
  const auto policy = make_policy();
  const auto loopback = asio::ip::make_address("127.0.0.1");
  const auto outside = asio::ip::make_address("127.0.0.9");
  struct Case {
    smtp::Path rcpt;
    asio::ip::address client;
    std::uint16_t code;
    const char* enhanced;
  } cases[] = {
      {path("john.doe", "example.test"), outside, 250, "2.1.5"},
      {path("JOHN.DOE", "EXAMPLE.TEST"), outside, 250, "2.1.5"},  // case-insensitive
      {path("jane", "example.test"), outside, 250, "2.1.5"},
      {path("team", "example.test"), outside, 250, "2.1.5"},        // alias
      {path("postmaster", "example.test"), outside, 250, "2.1.5"},  // RFC 5321 §4.5.1
      {path("", ""), outside, 250, "2.1.5"},                        // <Postmaster>
      {path("nobody", "example.test"), outside, 550, "5.1.1"},
      {path("anyone", "other.test"), outside, 250, "2.1.5"},  // catch-all
      {path(".hidden", "other.test"), outside, 553, "5.1.3"},
      {path("x", "remote.test"), outside, 554, "5.7.1"},  // relay denied
      {path("x", "remote.test"), loopback, 250, "2.1.5"},
      {path("x", "remote.test"), asio::ip::make_address("2001:db8::5"), 250, "2.1.5"},
      {path("x", "remote.test"), asio::ip::make_address("::ffff:127.0.0.1"), 250, "2.1.5"},
      {path("x", "[192.0.2.1]"), outside, 554, "5.7.1"},
  };
  for (const auto& c : cases) {
    const auto verdict = policy.check_recipient(c.rcpt, c.client);
    EXPECT_EQ(verdict.reply.code, c.code) << c.rcpt.text() << " from " << c.client.to_string();
    EXPECT_EQ(verdict.reply.enhanced, c.enhanced) << c.rcpt.text();
  }
}

TEST(AcceptancePolicy, AliasesExpand) {
  const auto policy = make_policy();
  using V = std::vector<std::string>;
  EXPECT_EQ(policy.expand(path("john.doe", "Example.Test")), (V{"john.doe@example.test"}));
  EXPECT_EQ(policy.expand(path("team", "example.test")),
            (V{"john.doe@example.test", "jane@example.test"}));
  EXPECT_EQ(policy.expand(path("all", "example.test")),
            (V{"john.doe@example.test", "jane@example.test", "friend@remote.test"}));
  EXPECT_EQ(policy.expand(path("loop", "example.test")),
            (V{}));  // a loop delivers nowhere, never hangs
  EXPECT_EQ(policy.expand(path("", "")), (V{"postmaster@example.test"}));
}

TEST(AcceptancePolicy, SenderDomains) {
  const auto policy = make_policy();
  EXPECT_EQ(policy.sender_domain_to_check(path("a", "Client.Test")), "client.test");
  EXPECT_EQ(policy.sender_domain_to_check(path("a", "example.test")), "");  // local
  EXPECT_EQ(policy.sender_domain_to_check(path("a", "[192.0.2.1]")), "");   // literal
  EXPECT_EQ(policy.sender_domain_to_check(smtp::Path{true, {}}), "");       // <>
  const auto sender = path("a", "nullmx.test");
  EXPECT_EQ(policy.check_sender(sender, SenderDomainStatus::NullMx).reply.code, 550);
  EXPECT_EQ(policy.check_sender(sender, SenderDomainStatus::NullMx).reply.enhanced, "5.7.27");
  for (auto accepted :
       {SenderDomainStatus::Accepts, SenderDomainStatus::TempFail, SenderDomainStatus::NoDomain})
    EXPECT_EQ(policy.check_sender(sender, accepted).reply.code, 250);
}

TEST(AcceptancePolicy, BadConfigurationsNameTheEntry) {
  struct Case {
    const char* domain;
    std::vector<std::string> mailboxes, aliases;
    const char* message;
  } cases[] = {
      {"example.test", {"x@elsewhere.test"}, {}, "elsewhere.test is not a local domain"},
      {"example.test", {"*@elsewhere.test"}, {}, "elsewhere.test is not a local domain"},
      {"example.test", {"not an address"}, {}, "mailbox \"not an address\""},
      {"example.test", {}, {"a@example.test"}, "expected ADDRESS=ADDRESS"},
      {"example.test", {}, {"a@example.test="}, "no target address"},
      {"exa mple", {}, {}, "is not a domain name"},
  };
  for (const auto& c : cases) {
    PolicyConfig config;
    config.local_domains = {c.domain};
    config.mailboxes = c.mailboxes;
    config.aliases = c.aliases;
    auto policy = AcceptancePolicy::make(config);
    ASSERT_FALSE(policy) << c.message;
    EXPECT_NE(policy.error().message.find(c.message), std::string::npos) << policy.error().message;
  }
}

}  // namespace
}  // namespace mxkit::mta
