// The Received: header: protocol names (RFC 3848, RFC 6531), TLS details, folding, sanitising.
#include <gtest/gtest.h>

#include "mta/received.hpp"

namespace mxkit::mta {
namespace {

ReceivedInfo info() {
  ReceivedInfo i;
  i.helo = "client.test";
  i.client_address = "192.0.2.7";
  i.hostname = "mx.example.test";
  i.esmtp = true;
  i.time = std::chrono::system_clock::time_point(
      std::chrono::seconds(1796464465));  // Sat, 05 Dec 2026 09:54:25
  return i;
}

TEST(Received, ProtocolNames) {
  struct Case {
    bool esmtp, utf8, tls;
    const char* name;
  } cases[] = {{false, false, false, "SMTP"},
               {true, false, false, "ESMTP"},
               {true, false, true, "ESMTPS"},
               {true, true, false, "UTF8SMTP"},
               {true, true, true, "UTF8SMTPS"}};
  for (const auto& c : cases) {
    auto i = info();
    i.esmtp = c.esmtp;
    i.smtputf8 = c.utf8;
    if (c.tls) i.tls_version = "TLSv1.3";
    EXPECT_EQ(with_protocol(i), c.name);
  }
}

TEST(Received, WholeHeader) {
  auto i = info();
  EXPECT_EQ(received_header(i),
            "Received: from client.test ([192.0.2.7])\r\n\tby mx.example.test (mxkit) with ESMTP; "
            "Sat, 05 Dec 2026 09:54:25 +0000\r\n");
  i.tls_version = "TLSv1.3";
  i.tls_cipher = "TLS_AES_256_GCM_SHA384";
  i.recipient = "john@example.test";
  i.client_address = "2001:db8::7";
  EXPECT_EQ(received_header(i),
            "Received: from client.test ([IPv6:2001:db8::7])\r\n\tby mx.example.test (mxkit) with "
            "ESMTPS\r\n"
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n\tfor <john@example.test>; "
            "Sat, 05 Dec 2026 09:54:25 +0000\r\n");
}

TEST(Received, HeloCannotForgeHeaderLines) {
  auto i = info();
  i.helo = "evil\r\nX-Forged: yes";
  const auto header = received_header(i);
  EXPECT_EQ(header.find("\r\nX-Forged"), std::string::npos);
  EXPECT_NE(header.find("from evil??X-Forged: yes ([192.0.2.7])"), std::string::npos);
  i.helo = "";
  EXPECT_NE(received_header(i).find("from unknown ("), std::string::npos);
}

}  // namespace
}  // namespace mxkit::mta
