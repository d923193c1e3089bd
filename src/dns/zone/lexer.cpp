// Zone-file lexer: one pass over the text, no copies; tokens are views into it. Character
// classes come from a table so the inner loops are one load and one compare per octet.
#include "dns/zone/lexer.hpp"

#include <array>

namespace mxkit::dns::zone {

namespace {

enum CharClass : std::uint8_t {
  kWord = 0,     // part of a word
  kBlank = 1,    // space, tab, CR: separates tokens (CR so CRLF files read as BIND reads them)
  kNewline = 2,
  kSpecial = 3,  // ; ( ) " \ — each handled on its own
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  t[' '] = t['\t'] = t['\r'] = kBlank;
  t['\n'] = kNewline;
  t[';'] = t['('] = t[')'] = t['"'] = t['\\'] = kSpecial;
  return t;
}
constexpr auto kClass = make_classes();

inline std::uint8_t cls(char c) { return kClass[static_cast<unsigned char>(c)]; }

}  // namespace

void Lexer::skip_to_line_end() {
  while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  skipping_line_ = pos_ >= text_.size() && !final_;
}

void Lexer::rebase(std::string_view text, bool final) {
  line_start_ -= static_cast<std::int64_t>(pos_);
  pos_ = 0;
  text_ = text;
  final_ = final;
  starved_ = false;
}

bool Lexer::next(Entry& entry, LexError& error) {
  entry.tokens.clear();
  error.message.clear();
  const char* const begin = text_.data();
  const char* const end = begin + text_.size();
  if (skipping_line_) {
    skip_to_line_end();
    if (skipping_line_) {
      starved_ = true;
      return false;
    }
  }
  // Where the entry began, to go back to when the chunk ends inside it.
  const std::size_t entry_pos = pos_;
  const std::uint32_t entry_line = line_;
  const std::int64_t entry_line_start = line_start_;
  auto starve = [&] {
    pos_ = entry_pos;
    line_ = entry_line;
    line_start_ = entry_line_start;
    entry.tokens.clear();
    starved_ = true;
    return false;
  };
  for (;;) {  // one iteration per physical line until an entry has tokens
    if (pos_ >= text_.size()) return final_ ? false : starve();
    entry.owner_blank = cls(begin[pos_]) == kBlank;
    entry.line = line_;
    int depth = 0;
    std::uint32_t paren_line = 0, paren_col = 0;
    const char* p = begin + pos_;
    for (;;) {
      while (p < end && cls(*p) == kBlank) ++p;
      if (p >= end) {
        if (!final_) return starve();
        pos_ = text_.size();
        if (depth > 0) {
          error = {"unclosed '(' at end of file", paren_line, paren_col, true};
          return false;
        }
        break;
      }
      const char c = *p;
      const std::uint8_t k = cls(c);
      if (k == kNewline) {
        newline_at(static_cast<std::size_t>(p - begin));
        ++p;
        if (depth == 0) break;
        continue;
      }
      if (c == ';') {
        while (p < end && *p != '\n') ++p;
        if (p >= end && !final_) return starve();
        continue;
      }
      if (c == '(') {
        if (depth > 0) {
          // Nesting has no meaning in RFC 1035 §5.1; what follows cannot be trusted.
          pos_ = static_cast<std::size_t>(p - begin);
          error = {"nested '('", line_, column(pos_), true};
          return false;
        }
        pos_ = static_cast<std::size_t>(p - begin);
        paren_line = line_;
        paren_col = column(pos_);
        ++depth;
        ++p;
        continue;
      }
      if (c == ')') {
        pos_ = static_cast<std::size_t>(p - begin);
        if (depth == 0) {
          error = {"')' without '('", line_, column(pos_), false};
          skip_to_line_end();
          entry.tokens.clear();
          return true;
        }
        --depth;
        ++p;
        continue;
      }
      Token& tok = entry.tokens.emplace_back();
      const auto at = static_cast<std::size_t>(p - begin);
      tok.line = line_;
      tok.column = column(at);
      // A quote in column 1 that would start an entry is not a string: owner names are never
      // quoted, and reading it as one would swallow the lines after a stray quote. Inside
      // parentheses a line may well begin with a quoted string.
      if (c == '"' && !(static_cast<std::int64_t>(at) == line_start_ && depth == 0 && entry.tokens.size() == 1)) {
        const char* start = ++p;
        bool closed = false;
        while (p < end) {
          const char q = *p;
          if (q == '\\' && p + 1 < end) {
            if (p[1] == '\n') newline_at(static_cast<std::size_t>(p + 1 - begin));
            p += 2;
            continue;
          }
          if (q == '"') {
            closed = true;
            break;
          }
          if (q == '\n') newline_at(static_cast<std::size_t>(p - begin));
          ++p;
        }
        if (!closed) {
          if (!final_) return starve();
          pos_ = text_.size();
          error = {"unterminated quoted string", tok.line, tok.column, true};
          entry.tokens.clear();
          return false;
        }
        tok.text = std::string_view(start, static_cast<std::size_t>(p - start));
        tok.quoted = true;
        ++p;
        if (p >= end && !final_) return starve();  // what follows the quote decides
        if (p < end && (cls(*p) == kWord || *p == '"' || *p == '\\')) {
          // A closing quote must end the token: three quotes in a row are not two strings.
          pos_ = static_cast<std::size_t>(p - begin);
          error = {"text right after a closing quote (a space is needed)", line_, column(pos_),
                   depth > 0};
          entry.tokens.clear();
          if (depth > 0) return false;
          skip_to_line_end();
          return true;
        }
        continue;
      }
      const char* start = p;
      if (c == '"') ++p;  // the column-1 quote, kept as part of a (bad) word
      for (;;) {
        while (p < end && cls(*p) == kWord) ++p;
        if (p < end && *p == '\\') {
          // An escaped character belongs to the word, whatever it is ("\ ", "\;", "\(");
          // a backslash before a newline or the end stays alone for the parser to refuse.
          p += (p + 1 < end && p[1] != '\n') ? 2 : 1;
          continue;
        }
        if (p < end && *p == '"') {
          // A quote inside a word is part of it, and so is what it quotes up to a closing quote
          // on the same line: RFC 9460 App. A writes SVCB values as key="a b;c".
          const char* q = p + 1;
          while (q < end && *q != '"' && *q != '\n')
            q += (*q == '\\' && q + 1 < end && q[1] != '\n') ? 2 : 1;
          p = (q < end && *q == '"') ? q + 1 : p + 1;
          continue;
        }
        break;
      }
      tok.text = std::string_view(start, static_cast<std::size_t>(p - start));
      tok.quoted = false;
    }
    pos_ = static_cast<std::size_t>(p - begin);
    if (!entry.tokens.empty()) return true;
  }
}

}  // namespace mxkit::dns::zone
