// The DSN parsed back as a mail reader would: top-level headers, the three MIME parts, the
// delivery-status fields per recipient, and the line rules.
#include "queue/dsn.hpp"

#include <map>

#include <gtest/gtest.h>

namespace mxkit::queue {
namespace {

using Fields = std::multimap<std::string, std::string>;

// Header block → fields (unfolded: CRLF + WSP joined to one line).
Fields parse_fields(std::string_view block) {
  Fields out;
  std::string name, value;
  std::size_t pos = 0;
  auto flush = [&] {
    if (!name.empty()) out.emplace(name, value);
    name.clear();
  };
  while (pos < block.size()) {
    auto end = block.find("\r\n", pos);
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      value += line;
      continue;
    }
    flush();
    auto colon = line.find(':');
    name = std::string(line.substr(0, colon));
    value = std::string(line.substr(colon + 2));
  }
  flush();
  return out;
}

std::string get(const Fields& f, const std::string& name) {
  auto it = f.find(name);
  return it == f.end() ? "<missing>" : it->second;
}

struct Part {
  Fields headers;
  std::string body;
};

struct Parsed {
  Fields headers;
  std::vector<Part> parts;
  std::string boundary;
};

Parsed parse(const std::string& dsn) {
  Parsed p;
  auto head_end = dsn.find("\r\n\r\n");
  p.headers = parse_fields(dsn.substr(0, head_end + 2));
  std::string ct = get(p.headers, "Content-Type");
  auto b = ct.find("boundary=\"");
  p.boundary = ct.substr(b + 10, ct.find('"', b + 10) - b - 10);
  std::string marker = "\r\n--" + p.boundary;
  std::size_t pos = dsn.find(marker, head_end);
  while (pos != std::string::npos) {
    std::size_t start = pos + marker.size();
    if (dsn.compare(start, 2, "--") == 0) break;
    start += 2;  // CRLF after the boundary line
    std::size_t next = dsn.find(marker, start);
    std::string part = dsn.substr(start, next - start);
    auto sep = part.find("\r\n\r\n");
    p.parts.push_back(Part{parse_fields(part.substr(0, sep + 2)), part.substr(sep + 4)});
    pos = next;
  }
  return p;
}

// The delivery-status body: per-message group, then one group per recipient.
std::vector<Fields> groups(const std::string& body) {
  std::vector<Fields> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\r\n\r\n", pos);
    if (end == std::string::npos) end = body.size();
    auto g = parse_fields(body.substr(pos, end - pos + 2));
    if (!g.empty()) out.push_back(std::move(g));
    pos = end + 4;
  }
  return out;
}

void check_lines(const std::string& dsn) {
  std::size_t pos = 0;
  while (pos < dsn.size()) {
    auto end = dsn.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos) << "text after the last CRLF";
    std::string_view line(dsn.data() + pos, end - pos);
    ASSERT_LE(line.size(), 998u);
    ASSERT_EQ(line.find('\n'), std::string::npos) << "bare LF";
    ASSERT_EQ(line.find('\r'), std::string::npos) << "bare CR";
    pos = end + 2;
  }
}

Message failed_message() {
  Message m;
  m.id = "0005F1A2B3C4D5E6";
  m.sender = "alice@example.test";
  m.arrival = Clock::time_point(std::chrono::seconds(1764927600));  // Fri, 05 Dec 2025 09:40:00
  Recipient ok{"bob@example.test", RecipientState::Delivered, 1, "250 ok", "2.0.0", "maildir"};
  Recipient bad{"nobody@remote.test",
                RecipientState::Bounced,
                1,
                "550 5.1.1 <nobody@remote.test>: Recipient address rejected",
                "5.1.1",
                "mx1.remote.test[127.0.1.2]:25"};
  Recipient expired{"slow@down.test",
                    RecipientState::Expired,
                    40,
                    "connect to mx.down.test[127.0.2.1]:25: Connection refused",
                    "4.4.1",
                    ""};
  Recipient pending{"later@remote.test",
                    RecipientState::Pending,
                    3,
                    "451 4.7.1 greylisted",
                    "4.7.1",
                    "mx1.remote.test[127.0.1.2]:25"};
  m.recipients = {ok, bad, expired, pending};
  return m;
}

DsnOptions options() {
  DsnOptions o;
  o.reporting_mta = "mx.example.test";
  o.now = Clock::time_point(std::chrono::seconds(1765014000));
  o.boundary_seed = "0005F1A2B3C4D5E6";
  o.lifetime = std::chrono::hours(24 * 5);
  return o;
}

const std::string kOriginal =
    "Received: from client (127.0.0.1)\r\nFrom: Alice <alice@example.test>\r\nTo: "
    "nobody@remote.test\r\n"
    "Subject: hello\r\n\r\nThe body is not in the DSN.\r\n";

TEST(Dsn, FailureStructure) {
  std::string dsn = build_dsn(failed_message(), kOriginal, DsnKind::Failure, options());
  check_lines(dsn);
  Parsed p = parse(dsn);
  EXPECT_EQ(get(p.headers, "From"), "Mail Delivery System <MAILER-DAEMON@mx.example.test>");
  EXPECT_EQ(get(p.headers, "To"), "<alice@example.test>");
  EXPECT_EQ(get(p.headers, "Subject"), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(get(p.headers, "Auto-Submitted"), "auto-replied");
  EXPECT_EQ(get(p.headers, "MIME-Version"), "1.0");
  EXPECT_EQ(get(p.headers, "Date"), "Sat, 06 Dec 2025 09:40:00 +0000");
  EXPECT_EQ(get(p.headers, "Message-ID"), "<0005F1A2B3C4D5E6.bounce.1765014000@mx.example.test>");
  EXPECT_EQ(get(p.headers, "Content-Type")
                .rfind("multipart/report; report-type=delivery-status; boundary=", 0),
            0u);
  ASSERT_EQ(p.parts.size(), 3u);
  EXPECT_EQ(get(p.parts[0].headers, "Content-Type"), "text/plain; charset=us-ascii");
  EXPECT_NE(p.parts[0].body.find("<nobody@remote.test>: 550 5.1.1"), std::string::npos);
  EXPECT_NE(p.parts[0].body.find("<slow@down.test>: delivery time expired"), std::string::npos);
  EXPECT_EQ(p.parts[0].body.find("bob@example.test"),
            std::string::npos);  // delivered: not reported
  EXPECT_EQ(p.parts[0].body.find("later@remote.test"),
            std::string::npos);  // pending: not in a bounce

  EXPECT_EQ(get(p.parts[1].headers, "Content-Type"), "message/delivery-status");
  auto g = groups(p.parts[1].body);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(get(g[0], "Reporting-MTA"), "dns; mx.example.test");
  EXPECT_EQ(get(g[0], "X-Mxkit-Queue-ID"), "0005F1A2B3C4D5E6");
  EXPECT_EQ(get(g[0], "Arrival-Date"), "Fri, 05 Dec 2025 09:40:00 +0000");
  EXPECT_EQ(get(g[1], "Final-Recipient"), "rfc822; nobody@remote.test");
  EXPECT_EQ(get(g[1], "Action"), "failed");
  EXPECT_EQ(get(g[1], "Status"), "5.1.1");
  EXPECT_EQ(get(g[1], "Remote-MTA"), "dns; mx1.remote.test");
  EXPECT_EQ(get(g[1], "Diagnostic-Code"),
            "smtp; 550 5.1.1 <nobody@remote.test>: Recipient address rejected");
  EXPECT_EQ(get(g[1], "Last-Attempt-Date"), "Sat, 06 Dec 2025 09:40:00 +0000");
  EXPECT_EQ(g[1].count("Will-Retry-Until"), 0u);
  EXPECT_EQ(get(g[2], "Final-Recipient"), "rfc822; slow@down.test");
  EXPECT_EQ(get(g[2], "Action"), "failed");
  EXPECT_EQ(get(g[2], "Status"), "4.4.7");       // RFC 3463: delivery time expired
  EXPECT_EQ(g[2].count("Diagnostic-Code"), 0u);  // not a reply from a server
  EXPECT_EQ(g[2].count("Remote-MTA"), 0u);

  EXPECT_EQ(get(p.parts[2].headers, "Content-Type"), "text/rfc822-headers");
  EXPECT_EQ(p.parts[2].body,
            "Received: from client (127.0.0.1)\r\nFrom: Alice <alice@example.test>\r\nTo: "
            "nobody@remote.test\r\n"
            "Subject: hello\r\n");
}

TEST(Dsn, DelayStructure) {
  std::string dsn = build_dsn(failed_message(), kOriginal, DsnKind::Delay, options());
  check_lines(dsn);
  Parsed p = parse(dsn);
  EXPECT_EQ(get(p.headers, "Subject"), "Delayed Mail (still being retried)");
  ASSERT_EQ(p.parts.size(), 3u);
  auto g = groups(p.parts[1].body);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(get(g[1], "Final-Recipient"), "rfc822; later@remote.test");
  EXPECT_EQ(get(g[1], "Action"), "delayed");
  EXPECT_EQ(get(g[1], "Status"), "4.7.1");
  EXPECT_EQ(get(g[1], "Will-Retry-Until"), "Wed, 10 Dec 2025 09:40:00 +0000");
}

TEST(Dsn, HostileInputStaysWithinTheRules) {
  Message m = failed_message();
  m.recipients[1].last_reply =
      "550 " + std::string(3000, 'y') + "\r\nInjected: header\n" + std::string(50, ' ') + "end";
  m.recipients[1].status = "9.9.9x";  // not RFC 3463: replaced
  m.recipients[1].address = "evil\r\nBcc: victim@example.test";
  std::string original = "Subject: " + std::string(5000, 'z') +
                         "\nX-Bare: lf\r\nBoundary: --mxkit.0005F1A2B3C4D5E6.0\r\n\r\n";
  std::string dsn = build_dsn(m, original, DsnKind::Failure, options());
  check_lines(dsn);
  Parsed p = parse(dsn);
  EXPECT_EQ(p.boundary, "mxkit.0005F1A2B3C4D5E6.1");  // .0 occurs in the original's headers
  ASSERT_EQ(p.parts.size(), 3u);
  auto g = groups(p.parts[1].body);
  EXPECT_EQ(get(g[1], "Status"), "5.0.0");
  EXPECT_EQ(g[1].count("Bcc"), 0u);
  EXPECT_EQ(get(g[1], "Final-Recipient"), "rfc822; evil Bcc: victim@example.test");
  EXPECT_EQ(p.headers.count("Injected"), 0u);
  EXPECT_NE(p.parts[2].body.find("X-Bare: lf\r\n"), std::string::npos);
}

TEST(Dsn, OriginalHeadersAreBounded) {
  std::string original;
  for (int i = 0; i < 2000; ++i)
    original += "X-Filler-" + std::to_string(i) + ": some value here\r\n";
  original += "\r\nbody\r\n";
  DsnOptions o = options();
  o.max_headers = 1000;
  Parsed p = parse(build_dsn(failed_message(), original, DsnKind::Failure, o));
  ASSERT_EQ(p.parts.size(), 3u);
  EXPECT_LE(p.parts[2].body.size(), 1000u + 4);
  EXPECT_EQ(p.parts[2].body.rfind("X-Filler-0: some value here\r\n", 0), 0u);
}

TEST(Dsn, Rfc5322Date) {
  EXPECT_EQ(rfc5322_date(Clock::time_point(std::chrono::seconds(0))),
            "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(Clock::time_point(std::chrono::seconds(1709210096))),
            "Thu, 29 Feb 2024 12:34:56 +0000");
}

}  // namespace
}  // namespace mxkit::queue
