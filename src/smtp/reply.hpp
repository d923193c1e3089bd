// SMTP replies (RFC 5321 §4.2) with RFC 3463 enhanced status codes (RFC 2034): the values both
// sessions speak, their wire form, and an incremental reader of a server's replies.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mxkit::smtp {

// One reply: "250-first line" ... "250 last line". `enhanced` is "2.1.5" (empty when the peer
// sent none, or for 220 greetings and 354, which carry none, RFC 2034 §3).
struct Reply {
  std::uint16_t code = 0;
  std::string enhanced;
  std::vector<std::string> lines;  // the text of each line, without code and enhanced code

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // Wire form: every line "CODE-ENH text\r\n", the last with a space after the code.
  std::string wire() const;
  // One line for logs and DSNs: "550 5.1.1 no such user" (multi-line text joined with spaces).
  std::string summary() const;
};

Reply make_reply(std::uint16_t code, std::string_view enhanced, std::string_view text);

// "5.1.10" → valid RFC 3463 form: class 2/4/5, subject 0-999, detail 0-999, no leading zeros.
bool is_enhanced_code(std::string_view text);

// Reads replies from a server's byte stream (client side, RFC 5321 §4.2.1): lines end in CRLF
// (a bare LF is tolerated), multi-line replies continue with "-", every line of one reply has
// the same code. The enhanced code is taken from the first line when every line starts with it.
class ReplyReader {
 public:
  // Appends bytes; returns complete replies as they become available through next().
  void feed(std::span<const char> bytes);
  // The next complete reply, nullopt when more bytes are needed, or an error for a malformed
  // line ("reply line without a 3-digit code", "line longer than 4096 octets", ...).
  std::optional<core::Result<Reply>> next();

 private:
  std::string buffer_;
  std::size_t consumed_ = 0;
  Reply partial_;
  bool in_reply_ = false;
  bool skipping_ = false;  // inside an overlong line already reported
};

}  // namespace mxkit::smtp
