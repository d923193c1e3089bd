// Splits zone-file text (RFC 1035 §5.1) into entries: the tokens of one record or directive,
// with parentheses joining lines, comments dropped, and quoted strings kept whole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/token.hpp"

namespace mxkit::dns::zone {

struct Entry {
  std::vector<Token> tokens;
  bool owner_blank = false;  // the line began with whitespace: the previous owner applies
  std::uint32_t line = 0;    // where the entry starts
};

struct LexError {
  std::string message;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  bool fatal = false;  // the rest of the text cannot be read reliably
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // Reads the next non-empty entry into `entry`. Returns false at the end of the text, or when a
  // fatal error was stored in `error`. A non-fatal error (the entry is skipped) also returns
  // true, with `error` set and `entry.tokens` empty.
  bool next(Entry& entry, LexError& error);

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;

  std::uint32_t column(std::size_t at) const { return static_cast<std::uint32_t>(at - line_start_ + 1); }
  void newline_at(std::size_t at) {
    ++line_;
    line_start_ = at + 1;
  }
  void skip_to_line_end();
};

}  // namespace mxkit::dns::zone
