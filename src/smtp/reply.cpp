// SMTP replies: wire form, summaries and the client-side reply reader (RFC 5321 §4.2).
#include "smtp/reply.hpp"

#include <algorithm>
#include <cstring>

namespace mxkit::smtp {

namespace {

constexpr std::size_t kMaxReplyLine = 4096;  // longer than any sane reply (RFC 5321 §4.5.3.1.5)
constexpr std::size_t kMaxReplyLines = 1000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void append_code(std::string& out, std::uint16_t code) {
  char digits[3] = {static_cast<char>('0' + code / 100 % 10),
                    static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10)};
  out.append(digits, 3);
}

// The first space-separated word of `text`.
std::string_view first_word(std::string_view text) {
  return text.substr(0, std::min(text.find(' '), text.size()));
}

}  // namespace

std::string Reply::wire() const {
  std::string out;
  const std::size_t count = lines.empty() ? 1 : lines.size();
  for (std::size_t i = 0; i < count; ++i) {
    append_code(out, code);
    out.push_back(i + 1 == count ? ' ' : '-');
    std::string_view text = lines.empty() ? std::string_view() : std::string_view(lines[i]);
    if (!enhanced.empty()) {
      out += enhanced;
      if (!text.empty()) out.push_back(' ');
    }
    out += text;
    out += "\r\n";
  }
  return out;
}

std::string Reply::summary() const {
  std::string out;
  append_code(out, code);
  if (!enhanced.empty()) out += " " + enhanced;
  for (const auto& line : lines) {
    if (!line.empty()) out += " " + line;
  }
  return out;
}

Reply make_reply(std::uint16_t code, std::string_view enhanced, std::string_view text) {
  Reply r;
  r.code = code;
  r.enhanced = std::string(enhanced);
  // Text with line breaks becomes a multi-line reply; a CR or LF never reaches the wire inside
  // a line, so a reply text can never inject a second reply.
  while (true) {
    const auto nl = text.find('\n');
    std::string line(text.substr(0, nl));
    std::erase(line, '\r');
    r.lines.push_back(std::move(line));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return r;
}

// RFC 3463 §2: class "." subject "." detail; class 2, 4 or 5; subject and detail 1-3 digits.
bool is_enhanced_code(std::string_view text) {
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') {
    return false;
  }
  std::string_view rest = text.substr(2);
  for (int part = 0; part < 2; ++part) {
    std::size_t n = 0;
    while (n < rest.size() && is_digit(rest[n])) ++n;
    if (n == 0 || n > 3 || (n > 1 && rest[0] == '0')) return false;
    rest.remove_prefix(n);
    if (part == 0) {
      if (rest.empty() || rest[0] != '.') return false;
      rest.remove_prefix(1);
    }
  }
  return rest.empty();
}

void ReplyReader::feed(std::span<const char> bytes) {
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes.data(), bytes.size());
}

std::optional<core::Result<Reply>> ReplyReader::next() {
  while (true) {
    const char* begin = buffer_.data() + consumed_;
    const std::size_t available = buffer_.size() - consumed_;
    if (skipping_) {
      const void* end = std::memchr(begin, '\n', available);
      if (end == nullptr) {
        consumed_ = buffer_.size();
        return std::nullopt;
      }
      consumed_ += static_cast<std::size_t>(static_cast<const char*>(end) - begin) + 1;
      skipping_ = false;
      continue;
    }
    const void* nl = std::memchr(begin, '\n', std::min(available, kMaxReplyLine + 1));
    if (nl == nullptr) {
      if (available > kMaxReplyLine) {
        // Skip the overlong line (up to its end) so the reader does not report it again.
        skipping_ = true;
        partial_ = Reply{};
        in_reply_ = false;
        return core::Result<Reply>(core::fail("reply line longer than 4096 octets"));
      }
      return std::nullopt;
    }
    const auto length = static_cast<std::size_t>(static_cast<const char*>(nl) - begin);
    std::string_view line(begin, length);
    consumed_ += length + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF, or a bare LF

    auto error = [&](std::string message) {
      partial_ = Reply{};
      in_reply_ = false;
      return core::Result<Reply>(core::fail(std::move(message)));
    };
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        line[0] < '2' || line[0] > '5' || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      return error("reply line without a 3-digit code: \"" + std::string(line.substr(0, 40)) +
                   "\"");
    }
    const auto code =
        static_cast<std::uint16_t>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
    if (in_reply_ && code != partial_.code) {
      return error("reply line with code " + std::to_string(code) + " inside a reply with code " +
                   std::to_string(partial_.code));
    }
    in_reply_ = true;
    partial_.code = code;
    if (partial_.lines.size() >= kMaxReplyLines) return error("reply with more than 1000 lines");
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    const bool last = line.size() == 3 || line[3] == ' ';
    if (!last) continue;

    // RFC 2034 §4: the enhanced code starts every line; take it when it does and its class
    // matches the reply's.
    Reply reply = std::move(partial_);
    partial_ = Reply{};
    in_reply_ = false;
    const std::string_view enhanced = first_word(reply.lines.front());
    bool uniform = is_enhanced_code(enhanced) && enhanced[0] == static_cast<char>('0' + code / 100);
    for (const auto& l : reply.lines) {
      if (!uniform) break;
      uniform = first_word(l) == enhanced;
    }
    if (uniform) {
      reply.enhanced = std::string(enhanced);
      for (auto& l : reply.lines) l.erase(0, std::min(l.size(), reply.enhanced.size() + 1));
    }
    return core::Result<Reply>(std::move(reply));
  }
}

}  // namespace mxkit::smtp
