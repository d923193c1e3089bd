// Message content as DATA (RFC 5321 §4.5.2, dot-stuffed, ended by CRLF.CRLF) or BDAT chunks
// (RFC 3030, counted octets) carry it, decoded into the stored form: CRLF lines, no stuffing.
// Internal to the server session.
//
// SMTP smuggling: only <CRLF>.<CRLF> ends DATA. A bare CR or bare LF (one not part of a CRLF
// pair) never ends a line for the purpose of finding the end, dot-unstuffing or the line
// length: after one, the decoder is in the middle of a line. Such line endings are counted
// (the session refuses the message under BareLineEnding::Reject) or written as CRLF (Normalize).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mxkit::smtp {

class DataDecoder {
 public:
  enum class Mode : std::uint8_t { Dot, Chunks };

  // Starts a message: `content` receives it (up to `max_size` octets; beyond, only the size is
  // counted). `max_line` counts the CRLF (RFC 5321 §4.5.3.1.6).
  void start(Mode mode, std::string* content, std::size_t max_size, std::size_t max_line,
             bool normalize);
  // Decodes up to `n` octets; returns how many it used. In Dot mode it stops after the final
  // CRLF.CRLF (done() is then true); in Chunks mode it uses them all.
  std::size_t feed(const char* data, std::size_t n);
  // Chunks mode, after the LAST chunk: a CR at the very end is a bare CR.
  void finish();

  bool done() const { return done_; }
  bool too_big() const { return size_ > max_size_; }
  bool bare_line_ending() const { return bare_ != 0; }
  bool line_too_long() const { return long_line_; }
  std::size_t size() const { return size_; }  // decoded octets, stored or not

 private:
  enum class State : std::uint8_t { LineStart, Dot, DotCr, Middle, Cr };
  void emit(const char* p, std::size_t n);
  void bare_ending();
  void add_to_line(std::size_t n);

  std::string* content_ = nullptr;
  Mode mode_ = Mode::Dot;
  State state_ = State::LineStart;
  bool normalize_ = false;
  bool done_ = false;
  bool long_line_ = false;
  std::size_t max_size_ = 0;
  std::size_t max_line_ = 0;
  std::size_t line_ = 0;  // octets of the current line so far, without its CRLF
  std::size_t size_ = 0;
  std::size_t bare_ = 0;
};

}  // namespace mxkit::smtp
