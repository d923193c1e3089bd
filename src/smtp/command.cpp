// SMTP command line parsing (RFC 5321 §4.1.1, RFC 3030 §2 for BDAT).
#include "smtp/command.hpp"

#include <array>
#include <utility>

namespace mxkit::smtp {

namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

bool equals_upper(std::string_view text, std::string_view upper_word) {
  if (text.size() != upper_word.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (upper(text[i]) != upper_word[i]) return false;
  }
  return true;
}

constexpr std::array<std::pair<std::string_view, Verb>, 13> kVerbs = {{
    {"EHLO", Verb::Ehlo},
    {"HELO", Verb::Helo},
    {"MAIL", Verb::Mail},
    {"RCPT", Verb::Rcpt},
    {"DATA", Verb::Data},
    {"BDAT", Verb::Bdat},
    {"RSET", Verb::Rset},
    {"NOOP", Verb::Noop},
    {"QUIT", Verb::Quit},
    {"VRFY", Verb::Vrfy},
    {"EXPN", Verb::Expn},
    {"HELP", Verb::Help},
    {"STARTTLS", Verb::StartTls},
}};

}  // namespace

Command parse_command(std::string_view line) {
  Command command;
  const auto space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  for (const auto& [name, verb] : kVerbs) {
    if (equals_upper(word, name)) {
      command.verb = verb;
      break;
    }
  }
  if (space != std::string_view::npos) {
    command.argument = line.substr(space + 1);
    // Trailing spaces are common (and harmless) in hand-typed sessions.
    while (!command.argument.empty() && command.argument.back() == ' ') {
      command.argument.remove_suffix(1);
    }
    command.has_argument = !command.argument.empty();
  }
  return command;
}

std::optional<std::string_view> strip_prefix_ignore_case(std::string_view argument,
                                                         std::string_view prefix) {
  if (argument.size() < prefix.size() || !equals_upper(argument.substr(0, prefix.size()), prefix)) {
    return std::nullopt;
  }
  return argument.substr(prefix.size());
}

std::optional<BdatArgument> parse_bdat_argument(std::string_view argument) {
  BdatArgument result;
  std::size_t n = 0;
  while (n < argument.size() && argument[n] >= '0' && argument[n] <= '9') {
    if (n == 18) return std::nullopt;  // beyond any sane chunk, and no overflow
    result.size = result.size * 10 + static_cast<std::uint64_t>(argument[n] - '0');
    ++n;
  }
  if (n == 0) return std::nullopt;
  std::string_view rest = argument.substr(n);
  if (rest.empty()) return result;
  while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  if (!equals_upper(rest, "LAST")) return std::nullopt;
  result.last = true;
  return result;
}

}  // namespace mxkit::smtp
