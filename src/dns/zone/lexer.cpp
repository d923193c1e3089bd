// Zone-file lexer: one pass over the text, no copies; tokens are views into it.
#include "dns/zone/lexer.hpp"

namespace mxkit::dns::zone {

namespace {
constexpr bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
constexpr bool ends_word(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' || c == ')';
}
}  // namespace

void Lexer::skip_to_line_end() {
  while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
}

bool Lexer::next(Entry& entry, LexError& error) {
  entry.tokens.clear();
  error.message.clear();
  const std::size_t n = text_.size();
  const char* s = text_.data();
  for (;;) {  // one iteration per physical line until an entry has tokens
    if (pos_ >= n) return false;
    entry.owner_blank = is_blank(s[pos_]);
    entry.line = line_;
    int depth = 0;
    std::uint32_t paren_line = 0, paren_col = 0;
    for (;;) {
      // Skip blanks.
      while (pos_ < n && is_blank(s[pos_])) ++pos_;
      if (pos_ >= n) {
        if (depth > 0) {
          error = {"unclosed '(' at end of file", paren_line, paren_col, true};
          return false;
        }
        break;
      }
      char c = s[pos_];
      if (c == '\n') {
        newline_at(pos_);
        ++pos_;
        if (depth == 0) break;
        continue;
      }
      if (c == ';') {
        skip_to_line_end();
        continue;
      }
      if (c == '(') {
        if (depth > 0) {
          // Nesting has no meaning in RFC 1035 §5.1; what follows cannot be trusted.
          error = {"nested '('", line_, column(pos_), true};
          return false;
        }
        paren_line = line_;
        paren_col = column(pos_);
        ++depth;
        ++pos_;
        continue;
      }
      if (c == ')') {
        if (depth == 0) {
          error = {"')' without '('", line_, column(pos_), false};
          skip_to_line_end();
          entry.tokens.clear();
          return true;
        }
        --depth;
        ++pos_;
        continue;
      }
      Token tok;
      tok.line = line_;
      tok.column = column(pos_);
      // A quote in column 1 is not a string: owner names are never quoted, and reading it as
      // one would swallow the lines after a stray quote.
      if (c == '"' && pos_ != line_start_) {
        std::size_t start = ++pos_;
        bool closed = false;
        while (pos_ < n) {
          char q = s[pos_];
          if (q == '\\' && pos_ + 1 < n) {
            if (s[pos_ + 1] == '\n') newline_at(pos_ + 1);
            pos_ += 2;
            continue;
          }
          if (q == '"') {
            closed = true;
            break;
          }
          if (q == '\n') newline_at(pos_);
          ++pos_;
        }
        if (!closed) {
          error = {"unterminated quoted string", tok.line, tok.column, true};
          return false;
        }
        tok.text = text_.substr(start, pos_ - start);
        tok.quoted = true;
        ++pos_;
      } else {
        std::size_t start = pos_;
        while (pos_ < n) {
          char w = s[pos_];
          if (w == '\\') {
            // An escaped character belongs to the word, whatever it is ("\ ", "\;", "\(").
            if (pos_ + 1 < n && s[pos_ + 1] != '\n') {
              pos_ += 2;
              continue;
            }
            ++pos_;
            continue;
          }
          if (ends_word(w)) break;
          ++pos_;
        }
        tok.text = text_.substr(start, pos_ - start);
      }
      entry.tokens.push_back(tok);
    }
    if (!entry.tokens.empty()) return true;
  }
}

}  // namespace mxkit::dns::zone
