// Zone-file parser: RFC 1035 §5 master files with the BIND extensions ($TTL from RFC 2308,
// $GENERATE). Streams records to a sink; errors carry FILE:LINE:COL and parsing goes on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dns/name.hpp"

namespace mxkit::dns::zone {

enum class Severity { error, warning };

struct Diagnostic {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  Severity severity = Severity::error;
  std::string code;     // stable, e.g. "bad-rdata"
  std::string message;  // one line
};

// "FILE:LINE:COL: error: TEXT [CODE]"
std::string format_diagnostic(const Diagnostic& d);

struct RecordView {
  WireName owner;
  std::uint16_t type;
  std::uint16_t rclass;
  std::uint32_t ttl;
  std::span<const std::uint8_t> rdata;
  std::string_view file;
  std::uint32_t line;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void record(const RecordView& record) = 0;
  virtual void diagnostic(const Diagnostic& diagnostic) = 0;
};

struct ParseOptions {
  Name origin;                            // initial $ORIGIN
  std::optional<std::uint32_t> default_ttl;  // used before any $TTL or explicit TTL
  std::uint16_t zone_class = 1;           // IN; records of another class are refused
  std::size_t max_errors = 100;           // stop after this many errors
  std::size_t max_include_depth = 16;
  std::size_t max_generate = 65536;       // records one $GENERATE may produce
  std::size_t read_chunk = 1 << 20;       // octets read from a file at a time (tests use tiny ones)
};

struct ParseStats {
  std::size_t records = 0;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  bool stopped = false;  // a fatal error or the error limit ended parsing early
};

// Parses a file ($INCLUDE paths are relative to the including file's folder).
ParseStats parse_zone_file(const std::filesystem::path& path, const ParseOptions& options, Sink& sink);
// Parses text held in memory; `file` names it in diagnostics and anchors relative $INCLUDEs.
ParseStats parse_zone_text(std::string_view text, std::string_view file, const ParseOptions& options,
                           Sink& sink);

}  // namespace mxkit::dns::zone
