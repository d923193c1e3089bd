// One SMTP command line split into its verb and argument (RFC 5321 §4.1.1), internal to the
// server session.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mxkit::smtp {

enum class Verb : std::uint8_t {
  Unknown,
  Ehlo,
  Helo,
  Mail,
  Rcpt,
  Data,
  Bdat,
  Rset,
  Noop,
  Quit,
  Vrfy,
  Expn,
  Help,
  StartTls,
};

struct Command {
  Verb verb = Verb::Unknown;
  std::string_view argument;  // after the verb and one space; empty when none
  bool has_argument = false;  // anything at all after the verb
};

// `line` is without its line ending. Verbs are case-insensitive (RFC 5321 §2.4); a verb must be
// followed by a space or the end of the line.
Command parse_command(std::string_view line);

// "FROM:" / "TO:" before the path, case-insensitive (RFC 5321 §4.1.1.2, §4.1.1.3): the rest of
// the argument, or nullopt when the prefix is missing.
std::optional<std::string_view> strip_prefix_ignore_case(std::string_view argument,
                                                         std::string_view prefix);

// BDAT chunk-size [ SP "LAST" ] (RFC 3030 §2): the size and whether it is the last chunk.
struct BdatArgument {
  std::uint64_t size = 0;
  bool last = false;
};
std::optional<BdatArgument> parse_bdat_argument(std::string_view argument);

}  // namespace mxkit::smtp
