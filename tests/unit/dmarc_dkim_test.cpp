// DMARC records, DKIM key records and the Public Suffix List (src/mailauth).
#include <exception>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/encoding.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dmarc.hpp"
#include "mailauth_dns_table.hpp"

namespace mxkit::mailauth {
namespace {

TEST(Dmarc, ParsesEveryTag) {
  auto r = parse_dmarc_record(
      "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=100; "
      "rua=mailto:dmarc@example.com,mailto:agg@reports.example.net!10m; "
      "ruf=mailto:forensic%40x@example.com; fo=1:d; rf=afrf; ri=3600; psd=n; t=y; future=1;");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->policy, DmarcPolicy::Reject);
  EXPECT_EQ(r->subdomain_policy, DmarcPolicy::Quarantine);
  EXPECT_EQ(r->nonexistent_policy, DmarcPolicy::Reject);
  EXPECT_EQ(r->dkim_alignment, DmarcAlignment::Strict);
  EXPECT_EQ(r->spf_alignment, DmarcAlignment::Relaxed);
  ASSERT_EQ(r->aggregate_reports.size(), 2u);
  EXPECT_EQ(r->aggregate_reports[0].address, "dmarc@example.com");
  EXPECT_EQ(r->aggregate_reports[1].domain, "reports.example.net");
  EXPECT_EQ(r->aggregate_reports[1].max_bytes, 10u << 20);
  ASSERT_EQ(r->failure_reports.size(), 1u);
  EXPECT_EQ(r->failure_reports[0].address, "forensic@x@example.com");
  EXPECT_EQ(r->failure_reports[0].domain, "example.com");
  EXPECT_EQ(r->report_interval, 3600u);
  EXPECT_EQ(r->public_suffix, 'n');
  EXPECT_TRUE(r->testing);
  EXPECT_EQ(r->unknown_tags, std::vector<std::string>{"future"});
  EXPECT_TRUE(is_dmarc_record("v=DMARC1; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC10; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=spf1 -all"));
}

struct BadDmarc {
  const char* record;
  std::size_t position;
  const char* part;
};
class DmarcErrors : public ::testing::TestWithParam<BadDmarc> {};

TEST_P(DmarcErrors, NamePositionAndReason) {
  auto r = parse_dmarc_record(GetParam().record);
  ASSERT_FALSE(r) << GetParam().record;
  EXPECT_EQ(r.error().position, GetParam().position) << r.error().message;
  EXPECT_NE(r.error().message.find(GetParam().part), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DmarcErrors,
    ::testing::Values(BadDmarc{"v=DMARC1; p=block", 12, "none, quarantine or reject"},
                      BadDmarc{"p=none; v=DMARC1", 0, "begins with"},
                      BadDmarc{"v=DMARC1", 8, "no p="},
                      BadDmarc{"v=DMARC1; p=none; pct=101", 22, "0 to 100"},
                      BadDmarc{"v=DMARC1; p=none; rua=dmarc@example.com", 22, "no scheme"},
                      BadDmarc{"v=DMARC1; p=none; rua=mailto:nobody", 29, "not a mail address"},
                      BadDmarc{"v=DMARC1; p=none; rua=mailto:a@b.example!10x", 40, "size limit"},
                      BadDmarc{"v=DMARC1; p=none; p=reject", 18, "twice"},
                      BadDmarc{"v=DMARC1; p=none; fo=2", 21, "not 0, 1, d or s"},
                      BadDmarc{"v=DMARC1; p=none; adkim=x", 24, "relaxed"},
                      BadDmarc{"v=DMARC1; p=none; 9x=1", 18, "letter"}));

TEST(Dmarc, MissingPolicyWithRuaReadsAsNone) {
  auto r = parse_dmarc_record("v=DMARC1; rua=mailto:d@example.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->policy, DmarcPolicy::None);
  ASSERT_EQ(r->warnings.size(), 1u);
}

TEST(Dmarc, ReportAuthorizationUsesOrganizationalDomains) {
  auto psl = PublicSuffixList::from_text("// test list\ncom\nnet\nco.uk\n*.ck\n!www.ck\n");
  EXPECT_EQ(psl.organizational_domain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.organizational_domain("a.b.example.com."), "example.com");
  EXPECT_EQ(psl.organizational_domain("x.y.ck"), "x.y.ck");
  EXPECT_EQ(psl.organizational_domain("a.www.ck"), "www.ck");
  EXPECT_EQ(psl.organizational_domain("example.test"), "example.test");
  EXPECT_EQ(report_authorization_name("example.com", "reports.example.com", psl), std::nullopt);
  EXPECT_EQ(report_authorization_name("sub.example.com", "other.example.com", psl), std::nullopt);
  EXPECT_EQ(report_authorization_name("Example.com", "dmarc.vendor.NET", psl),
            "example.com._report._dmarc.dmarc.vendor.net");
  EXPECT_EQ(dmarc_record_name("example.com."), "_dmarc.example.com");
}

TEST(Dmarc, SystemPublicSuffixListLoads) {
  auto psl = PublicSuffixList::load();
  ASSERT_TRUE(psl) << psl.error().message << " (Debian package publicsuffix)";
  EXPECT_GT(psl->size(), 5000u);
  EXPECT_EQ(psl->organizational_domain("mail.example.co.uk"), "example.co.uk");
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::string rsa_key_base64(unsigned bits, bool spki) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_RSA_gen(bits));
  EXPECT_TRUE(key);
  unsigned char* der = nullptr;
  const int n = spki ? i2d_PUBKEY(key.get(), &der) : i2d_PublicKey(key.get(), &der);
  EXPECT_GT(n, 0);
  std::string out;
  core::append_base64(std::span<const std::uint8_t>(der, static_cast<std::size_t>(n)), out);
  OPENSSL_free(der);
  return out;
}

TEST(Dkim, RsaKeySizeFromOpenSsl) {
  const auto k1024 = rsa_key_base64(1024, true);
  auto r = parse_dkim_key_record("v=DKIM1; k=rsa; t=y:s; h=sha256; p=" + k1024.substr(0, 40) +
                                 " \t" + k1024.substr(40));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->key_type, DkimKeyType::Rsa);
  EXPECT_EQ(r->key_bits, 1024u);
  EXPECT_TRUE(r->testing());
  EXPECT_FALSE(r->revoked);
  auto pkcs1 = parse_dkim_key_record("p=" + rsa_key_base64(2048, false));
  ASSERT_TRUE(pkcs1) << pkcs1.error().message;
  EXPECT_EQ(pkcs1->key_bits, 2048u);
}

TEST(Dkim, RevokedEd25519AndErrors) {
  auto revoked = parse_dkim_key_record("v=DKIM1; p=");
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(revoked->revoked);
  EXPECT_EQ(revoked->key_bits, 0u);
  auto ed =
      parse_dkim_key_record("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  ASSERT_TRUE(ed) << ed.error().message;
  EXPECT_EQ(ed->key_type, DkimKeyType::Ed25519);
  EXPECT_EQ(ed->key_bits, 256u);

  struct Bad {
    std::string record;
    std::size_t position;
    const char* part;
  };
  for (const Bad& b : std::vector<Bad>{
           {"k=rsa; v=DKIM1; p=", 7, "first"},
           {"v=DKIM2; p=", 2, "DKIM1"},
           {"v=DKIM1; k=rsa", 14, "no p="},
           {"v=DKIM1; p=!!!!", 11, "Base64"},
           {"v=DKIM1; p=AAAA", 11, "not an RSA public key"},
           {"v=DKIM1; k=ed25519; p=AAAA", 22, "32"},
           {"v=DKIM1; p=; p=", 13, "twice"},
       }) {
    auto r = parse_dkim_key_record(b.record);
    ASSERT_FALSE(r) << b.record;
    EXPECT_EQ(r.error().position, b.position) << b.record << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(b.part), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(dkim_key_name("s1", "example.com."), "s1._domainkey.example.com");
}

template <class T>
T run(asio::awaitable<T> task) {
  asio::io_context io(1);
  T out{};
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    out = std::move(value);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return out;
}

TEST(DmarcDiscovery, FallsBackToTheOrganizationalDomain) {
  auto psl = PublicSuffixList::from_text("com\nco.uk\n");
  test::DnsTable dns;
  dns.add_txt("_dmarc.example.co.uk", "v=DMARC1; p=quarantine; rua=mailto:d@example.co.uk");
  dns.add_txt("_dmarc.example.co.uk", "unrelated text");
  auto found = run(discover_dmarc(dns, "mail.example.co.uk.", psl));
  EXPECT_EQ(found.status, DnsStatus::Answer);
  EXPECT_EQ(found.policy_domain, "example.co.uk");
  EXPECT_EQ(found.queried,
            (std::vector<std::string>{"_dmarc.mail.example.co.uk", "_dmarc.example.co.uk"}));
  ASSERT_TRUE(found.record);
  EXPECT_EQ(found.record->policy, DmarcPolicy::Quarantine);

  dns.add_txt("_dmarc.two.com", "v=DMARC1; p=none");
  dns.add_txt("_dmarc.two.com", "v=DMARC1; p=reject");
  auto two = run(discover_dmarc(dns, "two.com", psl));
  EXPECT_EQ(two.records.size(), 2u);
  EXPECT_FALSE(two.record);

  dns.add_txt("_dmarc.bad.com", "v=DMARC1; p=maybe");
  auto bad = run(discover_dmarc(dns, "bad.com", psl));
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->position, 12u);

  dns.add_timeout("_dmarc.slow.example.com");
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  auto slow = run(discover_dmarc(dns, "slow.example.com", psl));
  EXPECT_EQ(slow.status, DnsStatus::TempFail);  // no fallback past a DNS failure
  EXPECT_EQ(slow.queried.size(), 1u);

  auto none = run(discover_dmarc(dns, "nothing.com", psl));
  EXPECT_EQ(none.status, DnsStatus::NxDomain);
  EXPECT_TRUE(none.records.empty());
}

TEST(DkimLookup, FetchesAndParsesTheKey) {
  test::DnsTable dns;
  dns.add_txt("s1._domainkey.example.com",
              std::vector<std::string>{"v=DKIM1; k=ed25519; ",
                                       "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="});
  auto key = run(fetch_dkim_key(dns, "s1", "example.com"));
  EXPECT_EQ(key.name, "s1._domainkey.example.com");
  ASSERT_TRUE(key.key);
  EXPECT_EQ(key.key->key_bits, 256u);
  auto missing = run(fetch_dkim_key(dns, "nope", "example.com"));
  EXPECT_EQ(missing.status, DnsStatus::NxDomain);
  EXPECT_FALSE(missing.key);
}

}  // namespace
}  // namespace mxkit::mailauth
