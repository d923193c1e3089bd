// A finding of `mxkit check`: one stable code (docs/checks.md), how bad it is, what it is about,
// and the RFC and fix that go with the code. The checks themselves are socket-free functions
// from gathered facts to findings; this file holds what they share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxkit::checks {

// Worst first: findings sort by it, and the exit status follows the worst present.
enum class Severity : std::uint8_t { error, warning, notice, info };
std::string_view severity_name(Severity severity);  // "error", "warning", "notice", "info"

// What a code means wherever it fires: the area of the report it belongs to, its usual
// severity, the RFC (section) it rests on and the fix. The catalogue is docs/checks.md's table.
struct CodeInfo {
  std::string_view code;  // "single-mx"
  std::string_view area;  // "mx", "nameservers", "zone", "spf", ..., "smtp", "ptr"
  Severity severity;
  std::string_view rfc;  // "RFC 5321 §5.1"
  std::string_view fix;  // one sentence
};
// Null when `code` is not in the catalogue.
const CodeInfo* find_code(std::string_view code);
const std::vector<CodeInfo>& catalogue();
// The areas in the order the text report prints them.
const std::vector<std::string_view>& areas();

struct Finding {
  std::string code;
  Severity severity = Severity::info;
  std::string area;
  std::string subject;  // what it is about: "mx1.example.test.", "127.0.1.1", "example.test."
  std::string message;  // one line saying what was seen
  std::string rfc;
  std::string fix;
};

// A finding of a catalogued code with its catalogue severity, RFC and fix; `severity` overrides
// the catalogue's for codes whose weight depends on the case (docs/checks.md says when).
// Throws std::logic_error for a code missing from the catalogue (a programming error).
Finding make_finding(std::string_view code, std::string subject, std::string message,
                     std::optional<Severity> severity = std::nullopt);

// Errors first, then warnings, notices, info; within a severity by area (areas() order), code,
// then subject: a stable order for text, JSON and tests.
void sort_findings(std::vector<Finding>& findings);

// `mxkit check`'s exit status from its findings: 2 with any error, 1 with a warning, else 0.
// (3, "the check could not run", is the command's, before any finding exists.)
int exit_status(const std::vector<Finding>& findings);
constexpr int kExitCouldNotRun = 3;

}  // namespace mxkit::checks
