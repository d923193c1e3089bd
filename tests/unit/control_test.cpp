#include "queue/control.hpp"

#include <gtest/gtest.h>

namespace mxkit::queue {
namespace {

TEST(Control, RequestsParse) {
  struct Case {
    const char* line;
    bool ok;
    ControlCommand command;
    const char* id;
  };
  const Case cases[] = {
      {"flush\n", true, ControlCommand::Flush, ""},
      {"flush", true, ControlCommand::Flush, ""},
      {"flush\r\n", true, ControlCommand::Flush, ""},
      {"retry 0123456789ABCDEF\n", true, ControlCommand::Retry, "0123456789ABCDEF"},
      {"delete 0123456789ABCDEF\n", true, ControlCommand::Delete, "0123456789ABCDEF"},
      {"delete 0123456789abcdef\n", false, {}, ""},
      {"delete 0123456789ABCDE\n", false, {}, ""},
      {"delete ../../etc/passwd\n", false, {}, ""},
      {"retry\n", false, {}, ""},
      {"flush now\n", false, {}, ""},
      {"FLUSH\n", false, {}, ""},
      {"\n", false, {}, ""},
      {"", false, {}, ""},
      {"retry 0123456789ABCDEF\nflush\n", false, {}, ""},
      {"shutdown\n", false, {}, ""},
  };
  for (const auto& c : cases) {
    auto r = parse_control_request(c.line);
    ASSERT_EQ(r.has_value(), c.ok) << c.line;
    if (!c.ok) {
      EXPECT_NE(r.error().message.find("control request"), std::string::npos);
      continue;
    }
    EXPECT_EQ(r->command, c.command) << c.line;
    EXPECT_EQ(r->id, c.id) << c.line;
  }
  EXPECT_FALSE(parse_control_request(std::string(600, 'x')));
}

TEST(Control, RequestsRoundTrip) {
  for (auto cmd : {ControlCommand::Flush, ControlCommand::Retry, ControlCommand::Delete}) {
    ControlRequest req{cmd, cmd == ControlCommand::Flush ? "" : "00112233445566FF"};
    auto line = format_control_request(req);
    EXPECT_EQ(line.back(), '\n');
    auto back = parse_control_request(line);
    ASSERT_TRUE(back) << line;
    EXPECT_EQ(back->command, cmd);
    EXPECT_EQ(back->id, req.id);
  }
}

TEST(Control, Responses) {
  EXPECT_EQ(format_control_response({true, "3 messages due now"}), "ok 3 messages due now\n");
  EXPECT_EQ(format_control_response({false, "no message X"}), "error no message X\n");
  EXPECT_EQ(format_control_response({true, ""}), "ok\n");
  EXPECT_EQ(format_control_response({false, "two\r\nlines"}), "error two  lines\n");
  EXPECT_LE(format_control_response({true, std::string(5000, 'a')}).size(), kMaxControlLine);
  struct Case {
    const char* line;
    bool valid, ok;
    const char* text;
  };
  const Case cases[] = {
      {"ok\n", true, true, ""},
      {"ok deleted\n", true, true, "deleted"},
      {"error nope\n", true, false, "nope"},
      {"error\n", true, false, ""},
      {"okay\n", false, false, ""},
      {"maybe\n", false, false, ""},
      {"", false, false, ""},
  };
  for (const auto& c : cases) {
    auto r = parse_control_response(c.line);
    ASSERT_EQ(r.has_value(), c.valid) << c.line;
    if (!c.valid) continue;
    EXPECT_EQ(r->ok, c.ok);
    EXPECT_EQ(r->text, c.text);
  }
}

}  // namespace
}  // namespace mxkit::queue
