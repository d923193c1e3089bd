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
  // `final` says whether `text` ends the input. A file is read in chunks: when an entry runs
  // past the end of a chunk that is not final, next() stops short (starved() is true) and
  // leaves the position at the start of that entry, for the caller to refill and rebase().
  explicit Lexer(std::string_view text, bool final = true) : text_(text), final_(final) {}

  // Reads the next non-empty entry into `entry`. Returns false at the end of the text, when
  // starved, or when a fatal error was stored in `error`. A non-fatal error (the entry is
  // skipped) also returns true, with `error` set and `entry.tokens` empty.
  bool next(Entry& entry, LexError& error);

  bool starved() const { return starved_; }
  // Octets of the text already consumed: everything before the entry that starved.
  std::size_t consumed() const { return pos_; }
  // Continues on new text whose first octet is the first unconsumed one of the old text.
  void rebase(std::string_view text, bool final);

 private:
  std::string_view text_;
  bool final_ = true;
  bool starved_ = false;
  bool skipping_line_ = false;  // an error is skipping the rest of a line that a chunk cut
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::int64_t line_start_ = 0;  // may lie before the text after a rebase

  std::uint32_t column(std::size_t at) const {
    return static_cast<std::uint32_t>(static_cast<std::int64_t>(at) - line_start_ + 1);
  }
  void newline_at(std::size_t at) {
    ++line_;
    line_start_ = static_cast<std::int64_t>(at) + 1;
  }
  void skip_to_line_end();
};

}  // namespace mxkit::dns::zone
