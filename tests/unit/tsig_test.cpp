// TSIG (RFC 8945): keys, the record codec, and signing/verification checked against messages
// signed by other implementations: queries signed by BIND's dig 9.18 and responses signed by
// dnspython 2.3 (captured once on loopback; dig accepted those responses).
#include "dns/tsig.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/encoding.hpp"
#include "dns/message.hpp"
#include "dns/message_builder.hpp"
#include "dns/rrtype.hpp"

namespace dns = mxkit::dns;

namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(mxkit::core::decode_hex(text, out));
  return out;
}

constexpr const char* kSecret = "bXhraXQgdHNpZyB0ZXN0IHNlY3JldCAzMiBvY3RldHM=";

// dig -y hmac-sha256:tsig.test.:SECRET example.test SOA +noedns, and dnspython's answer.
constexpr const char* kQuery256 =
    "565a01200001000000000001076578616d706c6504746573740000060001047473696704746573740000fa00ff"
    "00000000003d0b686d61632d7368613235360000006b140c2f012c00203aef3e71caf58e9e7f065e98daae68cc"
    "26311d0ecef426e85f7e768bc565dd7d565a00000000";
constexpr const char* kResponse256 =
    "565a81000001000100000001076578616d706c6504746573740000060001c00c0006000100000e100021026e73"
    "c00c0561646d696ec00c0000000100001c2000000e100012750000000e100474736967c01400fa00ff00000000"
    "003d0b686d61632d7368613235360000006b140c2f012c00204311fefc15e73ccbcea7127b8a623ec3d0455d85"
    "2775ffc52f7a6e647950a5d3565a00000000";
constexpr std::uint64_t kTime256 = 0x6b140c2f;
constexpr const char* kQuery512 =
    "dd8e01200001000000000001076578616d706c6504746573740000060001047473696704746573740000fa00ff"
    "00000000005d0b686d61632d7368613531320000006b140c31012c0040a092bfb8357e57be0f82a0e90f8fb32c"
    "535bd2d5faabb19f5a8e4268a7b2c2b7da65a2441d7b3a5207b6b0e71ce672a06750ea098add47a1546ede33dd"
    "e2c3acdd8e00000000";
constexpr const char* kResponse512 =
    "dd8e81000001000100000001076578616d706c6504746573740000060001c00c0006000100000e100021026e73"
    "c00c0561646d696ec00c0000000100001c2000000e100012750000000e100474736967c01400fa00ff00000000"
    "005d0b686d61632d7368613531320000006b140c31012c0040314342d351229627cbbfd16ad38db88b48e4eedb"
    "d73839a07732dc2cbb3ffc3b9c21569064d1d5da047b9f930645941aadb1712f495428f3a8e87721268e602bdd"
    "8e00000000";
constexpr std::uint64_t kTime512 = 0x6b140c31;

dns::TsigKey key(const char* algorithm) {
  return *dns::make_tsig_key("tsig.test", algorithm, kSecret);
}

std::vector<std::uint8_t> plain_query(std::uint16_t id) {
  dns::Message m;
  m.header.id = id;
  m.question.push_back({*dns::Name::from_text("example.test."), dns::rrtype::SOA, 1});
  return *dns::build_message(m);
}

TEST(TsigKey, ParsesTheThreeForms) {
  auto k = dns::parse_tsig_key(std::string("xfr.key:hmac-sha384:") + kSecret);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->name.to_text(), "xfr.key.");
  EXPECT_EQ(k->algorithm, dns::TsigAlgorithm::hmac_sha384);
  EXPECT_EQ(k->secret.size(), 32u);
  auto d = dns::parse_dig_tsig_key(std::string("xfr.key:") + kSecret);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->algorithm, dns::TsigAlgorithm::hmac_sha256);
  auto d2 = dns::parse_dig_tsig_key(std::string("HMAC-SHA512:xfr.key:") + kSecret);
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->algorithm, dns::TsigAlgorithm::hmac_sha512);
  auto file = dns::parse_bind_key_file(
      "# made by tsig-keygen\nkey \"xfr.key\" {\n\talgorithm hmac-sha256;\n\tsecret \"" +
      std::string(kSecret) + "\";\n};\n/* another */ key two { algorithm hmac-sha512; secret \"" +
      kSecret + "\"; };  // end\n");
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(file->size(), 2u);
  EXPECT_EQ((*file)[1].name.to_text(), "two.");
  EXPECT_EQ(dns::find_tsig_key(*file, dns::Name::from_text("XFR.KEY.")->wire()), &(*file)[0]);
}

TEST(TsigKey, RefusesBadKeysWithAReason) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {{"xfr.key:hmac-md5:c2VjcmV0", "is not hmac-sha256"},
               {"xfr.key:hmac-sha256:***", "not Base64"},
               {"xfr.key:hmac-sha256:", "empty"},
               {"xfr.key", "expected NAME:ALGORITHM:BASE64"}};
  for (const auto& c : cases) {
    auto k = dns::parse_tsig_key(c.text);
    ASSERT_FALSE(k) << c.text;
    EXPECT_NE(k.error().message.find(c.says), std::string::npos) << k.error().message;
  }
  EXPECT_FALSE(dns::parse_bind_key_file("key \"x\" { algorithm hmac-sha256; };"));
  EXPECT_FALSE(dns::parse_bind_key_file("key \"x\" { secret \"abc"));
  EXPECT_FALSE(dns::parse_bind_key_file(""));
}

TEST(Tsig, VerifiesQueriesSignedByDig) {
  for (auto [query, algorithm, time] :
       {std::tuple{kQuery256, "hmac-sha256", kTime256}, {kQuery512, "hmac-sha512", kTime512}}) {
    const std::vector<dns::TsigKey> keys = {key(algorithm)};
    auto wire = hex(query);
    auto check = dns::check_tsig_request(wire, keys, time + 10);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->error, 0) << check->why;
    EXPECT_FALSE(check->formerr);
    EXPECT_EQ(check->key, &keys[0]);
    EXPECT_EQ(check->record.time_signed, time);
    EXPECT_EQ(check->record.fudge, 300);

    auto tampered = wire;
    tampered[14] ^= 0x20;  // a letter of the question name changes case
    EXPECT_EQ(dns::check_tsig_request(tampered, keys, time)->error, dns::tsig_error::BADSIG);
    EXPECT_EQ(dns::check_tsig_request(wire, keys, time + 301)->error, dns::tsig_error::BADTIME);
    EXPECT_EQ(dns::check_tsig_request(wire, keys, time - 301)->error, dns::tsig_error::BADTIME);
    const std::vector<dns::TsigKey> other = {*dns::make_tsig_key("other.test", algorithm, kSecret)};
    EXPECT_EQ(dns::check_tsig_request(wire, other, time)->error, dns::tsig_error::BADKEY);
    const std::vector<dns::TsigKey> wrong_alg = {key("hmac-sha384")};
    EXPECT_EQ(dns::check_tsig_request(wire, wrong_alg, time)->error, dns::tsig_error::BADKEY);
    const std::vector<dns::TsigKey> wrong_secret = {
        *dns::make_tsig_key("tsig.test", algorithm, "c2VjcmV0")};
    EXPECT_EQ(dns::check_tsig_request(wire, wrong_secret, time)->error, dns::tsig_error::BADSIG);
  }
}

TEST(Tsig, VerifiesResponsesSignedByDnspython) {
  for (auto [query, response, algorithm, time] :
       {std::tuple{kQuery256, kResponse256, "hmac-sha256", kTime256},
        {kQuery512, kResponse512, "hmac-sha512", kTime512}}) {
    auto request = dns::find_tsig(hex(query));
    ASSERT_TRUE(request && *request);
    dns::TsigVerifier verifier(key(algorithm), (*request)->record.mac);
    auto ok = verifier.feed(hex(response), time);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_TRUE(verifier.finish());
    // The owner name of that TSIG is compressed (a pointer to "test."): read all the same.
    EXPECT_EQ(verifier.last_record()->key_name.to_text(), "tsig.test.");

    dns::TsigVerifier wrong_request(key(algorithm), std::vector<std::uint8_t>(32, 0));
    auto bad = wrong_request.feed(hex(response), time);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("BADSIG"), std::string::npos);
  }
}

TEST(Tsig, SignsWhatDigSigns) {
  // Our signer with dig's inputs (its message, time and fudge) gives dig's MAC.
  auto dig = hex(kQuery256);
  auto found = *dns::find_tsig(dig);
  std::vector<std::uint8_t> unsigned_query(dig.begin(), dig.begin() + found->offset);
  unsigned_query[11] -= 1;  // ARCOUNT without the TSIG
  dns::TsigSigner signer(key("hmac-sha256"), std::nullopt);
  auto ours = signer.sign(unsigned_query, kTime256 + 5, 0, {}, kTime256);
  EXPECT_EQ(ours, dig);
}

TEST(Tsig, SignedStreamsVerifyWithUnsignedMessagesBetween) {
  const auto k = key("hmac-sha384");
  const std::uint64_t now = 1'700'000'000;
  dns::TsigSigner client(k, std::nullopt);
  auto request = client.sign(plain_query(7), now);
  const std::vector<dns::TsigKey> keys = {k};
  auto check = dns::check_tsig_request(request, keys, now);
  ASSERT_TRUE(check && check->error == 0) << check->why;

  dns::TsigSigner server(k, check->record.mac);
  std::vector<std::vector<std::uint8_t>> stream;
  stream.push_back(server.sign(plain_query(7), now));
  stream.push_back(server.sign(plain_query(7), now));
  dns::TsigVerifier verifier(k, client.last_mac());
  for (const auto& m : stream) ASSERT_TRUE(verifier.feed(m, now + 1));
  EXPECT_TRUE(verifier.finish());

  // RFC 8945 §5.3.1: unsigned messages between signed ones are digested with the next one.
  // A signer that skips one must include it; ours signs every message, so build such a stream
  // by hand: message 2 unsigned, message 3 signed over prior MAC + message 2 + message 3.
  dns::TsigVerifier skipping(k, client.last_mac());
  ASSERT_TRUE(skipping.feed(stream[0], now));
  auto bare = plain_query(7);
  ASSERT_TRUE(skipping.feed(bare, now));
  EXPECT_FALSE(skipping.finish());
  // The next signed message was signed without the unsigned one: BADSIG.
  EXPECT_FALSE(skipping.feed(stream[1], now));

  // An unsigned first message is refused.
  dns::TsigVerifier first_unsigned(k, client.last_mac());
  EXPECT_FALSE(first_unsigned.feed(bare, now));
  // A stream signed with another request's MAC is refused.
  dns::TsigVerifier other(k, std::vector<std::uint8_t>(48, 1));
  EXPECT_FALSE(other.feed(stream[0], now));
}

TEST(Tsig, ErrorResponsesAsRfc8945Section5_2Says) {
  const auto k = key("hmac-sha256");
  const std::vector<dns::TsigKey> keys = {k};
  const std::uint64_t now = 1'700'000'000;
  dns::TsigSigner client(k, std::nullopt);
  auto request = client.sign(plain_query(9), now);

  // BADTIME: signed, our clock in Other Data, and the client can verify it.
  auto late = dns::check_tsig_request(request, keys, now + 1000);
  ASSERT_EQ(late->error, dns::tsig_error::BADTIME);
  auto reply = dns::tsig_error_response(plain_query(9), *late, now + 1000);
  auto found = *dns::find_tsig(reply);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->record.error, dns::tsig_error::BADTIME);
  EXPECT_EQ(found->record.other.size(), 6u);
  EXPECT_EQ(found->record.mac.size(), 32u);
  dns::TsigVerifier verifier(k, client.last_mac());
  auto said = verifier.feed(reply, now);
  ASSERT_FALSE(said);
  EXPECT_NE(said.error().message.find("BADTIME"), std::string::npos) << said.error().message;

  // BADKEY: unsigned (empty MAC), naming the key the client used.
  const std::vector<dns::TsigKey> none = {*dns::make_tsig_key("else.test", "hmac-sha256", kSecret)};
  auto unknown = dns::check_tsig_request(request, none, now);
  ASSERT_EQ(unknown->error, dns::tsig_error::BADKEY);
  auto badkey = *dns::find_tsig(dns::tsig_error_response(plain_query(9), *unknown, now));
  EXPECT_TRUE(badkey->record.mac.empty());
  EXPECT_EQ(badkey->record.key_name.to_text(), "tsig.test.");
  EXPECT_EQ(dns::tsig_rdata_text(badkey->record), "hmac-sha256. 1700000000 300 0 9 BADKEY 0");
}

TEST(Tsig, MisplacedOrBrokenRecordsAreFormerr) {
  const auto k = key("hmac-sha256");
  dns::TsigSigner signer(k, std::nullopt);
  auto signed_query = signer.sign(plain_query(3), 1'700'000'000);
  // Two TSIG records: the first is not last.
  dns::TsigSigner again(k, std::nullopt);
  auto twice = again.sign(signed_query, 1'700'000'000);
  EXPECT_FALSE(dns::find_tsig(twice));
  EXPECT_TRUE(dns::check_tsig_request(twice, {&k, 1}, 1'700'000'000)->formerr);
  // Cut short: the rdata runs past the end.
  auto cut = signed_query;
  cut.resize(cut.size() - 3);
  EXPECT_FALSE(dns::find_tsig(cut));
  // No TSIG at all: nullopt.
  EXPECT_FALSE(dns::check_tsig_request(plain_query(3), {&k, 1}, 0));
  // The whole message still parses as DNS.
  EXPECT_TRUE(dns::parse_message(signed_query));
}

}  // namespace
