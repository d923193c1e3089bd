// Zone-file parser: entries from the lexer → records, directives, diagnostics.
#include "dns/zone/parser.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>


#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/ttl.hpp"
#include "dns/zone/generate.hpp"
#include "dns/zone/lexer.hpp"

namespace mxkit::dns::zone {

namespace fs = std::filesystem;

std::string format_diagnostic(const Diagnostic& d) {
  return fmt::format("{}:{}:{}: {}: {} [{}]", d.file, d.line, d.column,
                     d.severity == Severity::error ? "error" : "warning", d.message, d.code);
}

namespace {

std::uint32_t soa_minimum_of(std::span<const std::uint8_t> soa_rdata) {
  auto p = soa_rdata.data() + soa_rdata.size() - 4;
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

// A zone file read through one buffer, a chunk at a time: the memory a file costs is the
// buffer, not the file, and the octets copied from the page cache stay hot in the CPU caches.
// The buffer grows only when a single entry is larger than it.
class ChunkedFile {
 public:
  ~ChunkedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  ChunkedFile(const ChunkedFile&) = delete;
  ChunkedFile& operator=(const ChunkedFile&) = delete;

  static std::unique_ptr<ChunkedFile> open(const fs::path& path, std::size_t chunk,
                                           std::string& why) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      why = "it is a directory";
      return nullptr;
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      why = std::strerror(errno);
      return nullptr;
    }
    std::unique_ptr<ChunkedFile> file(new ChunkedFile(fd, std::max<std::size_t>(chunk, 1)));
    if (!file->refill(0, why)) return nullptr;
    return file;
  }

  std::string_view text() const { return {buffer_.get(), filled_}; }
  bool eof() const { return eof_; }

  // Keeps the octets from `keep_from` on, moved to the front, and reads after them.
  bool refill(std::size_t keep_from, std::string& why) {
    std::size_t kept = filled_ - keep_from;
    if (kept > 0 && keep_from > 0) std::memmove(buffer_.get(), buffer_.get() + keep_from, kept);
    filled_ = kept;
    if (filled_ == capacity_) {  // one entry fills the whole buffer: make room
      auto bigger = std::make_unique_for_overwrite<char[]>(capacity_ * 2);
      std::memcpy(bigger.get(), buffer_.get(), filled_);
      buffer_ = std::move(bigger);
      capacity_ *= 2;
    }
    while (filled_ < capacity_ && !eof_) {
      ssize_t n = ::read(fd_, buffer_.get() + filled_, capacity_ - filled_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        why = std::strerror(errno);
        return false;
      }
      if (n == 0) eof_ = true;
      filled_ += static_cast<std::size_t>(n);
    }
    return true;
  }

 private:
  ChunkedFile(int fd, std::size_t chunk)
      : fd_(fd), buffer_(std::make_unique_for_overwrite<char[]>(chunk)), capacity_(chunk) {}
  int fd_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t filled_ = 0;
  bool eof_ = false;
};

// Unescapes a token used as a file name ("\X" → X, "\DDD" → octet).
std::string unescape(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      if (i + 3 < raw.size() && std::isdigit(static_cast<unsigned char>(raw[i + 1])) &&
          std::isdigit(static_cast<unsigned char>(raw[i + 2])) &&
          std::isdigit(static_cast<unsigned char>(raw[i + 3]))) {
        out.push_back(static_cast<char>((raw[i + 1] - '0') * 100 + (raw[i + 2] - '0') * 10 +
                                        (raw[i + 3] - '0')));
        i += 3;
      } else {
        out.push_back(raw[++i]);
      }
      continue;
    }
    out.push_back(raw[i]);
  }
  return out;
}

class Parser {
 public:
  Parser(const ParseOptions& options, Sink& sink) : options_(options), sink_(sink) {}

  ParseStats run_file(const fs::path& path) {
    std::string why;
    auto file = ChunkedFile::open(path, options_.read_chunk, why);
    if (!file) {
      report(path.string(), 0, 0, "io", fmt::format("cannot read zone file: {}", why));
      stats_.stopped = true;
      return stats_;
    }
    // Made canonical only when a $INCLUDE needs the comparison: resolving every component of
    // the path costs a readlink each, which for 100,000 one-file zones is a third of the
    // system time of loading them.
    include_stack_.push_back(path);
    parse(file->text(), file.get(), path.string(), options_.origin.wire(), 0);
    return stats_;
  }

  ParseStats run_text(std::string_view text, std::string_view file) {
    parse(text, nullptr, std::string(file), options_.origin.wire(), 0);
    return stats_;
  }

 private:
  struct FileState {
    std::string file;
    std::array<std::uint8_t, kMaxNameLength> origin{};
    std::size_t origin_len = 0;
    std::array<std::uint8_t, kMaxNameLength> owner{};
    std::size_t owner_len = 0;  // 0: no previous owner yet
    WireName origin_wire() const { return {origin.data(), origin_len}; }
  };

  const ParseOptions& options_;
  Sink& sink_;
  ParseStats stats_;
  std::optional<std::uint32_t> dollar_ttl_;  // from $TTL
  std::optional<std::uint32_t> last_ttl_;    // last explicit TTL, used when there is no $TTL
  std::optional<std::uint32_t> soa_minimum_;
  bool warned_no_ttl_ = false;
  std::vector<fs::path> include_stack_;
  std::vector<std::uint8_t> rdata_;
  std::string generated_;

  static fs::path weakly_canonical_or_self(const fs::path& p) {
    std::error_code ec;
    auto c = fs::weakly_canonical(p, ec);
    return ec ? p : c;
  }

  bool stopped() const { return stats_.stopped; }

  void report(const std::string& file, std::uint32_t line, std::uint32_t column, std::string code,
              std::string message, Severity severity = Severity::error) {
    if (stats_.stopped) return;
    sink_.diagnostic({file, line, column, severity, std::move(code), std::move(message)});
    if (severity == Severity::warning) {
      ++stats_.warnings;
      return;
    }
    if (++stats_.errors >= options_.max_errors) {
      sink_.diagnostic({file, line, column, Severity::error, "too-many-errors",
                        fmt::format("stopping after {} errors", stats_.errors)});
      stats_.stopped = true;
    }
  }

  void report_at(const FileState& st, const Token& tok, std::string code, std::string message) {
    report(st.file, tok.line, tok.column, std::move(code), std::move(message));
  }

  // Where a missing token would have been: just past the last one.
  void report_after(const FileState& st, const Entry& e, std::string code, std::string message) {
    const Token& last = e.tokens.back();
    report(st.file, last.line, last.column + static_cast<std::uint32_t>(last.text.size()) +
                                   (last.quoted ? 2u : 0u),
           std::move(code), std::move(message));
  }

  // Parses `text`, which is the whole input when `chunks` is null, or the first chunk of it.
  void parse(std::string_view text, ChunkedFile* chunks, const std::string& file, WireName origin,
             std::size_t depth) {
    FileState st;
    st.file = file;
    std::copy(origin.begin(), origin.end(), st.origin.begin());
    st.origin_len = origin.size();
    Lexer lexer(text, !chunks || chunks->eof());
    Entry entry;
    LexError lex_error;
    while (!stopped()) {
      bool more = lexer.next(entry, lex_error);
      if (lexer.starved()) {
        std::string why;
        if (!chunks->refill(lexer.consumed(), why)) {
          report(file, 0, 0, "io", fmt::format("cannot read zone file: {}", why));
          stats_.stopped = true;
          return;
        }
        lexer.rebase(chunks->text(), chunks->eof());
        continue;
      }
      if (!lex_error.message.empty()) {
        report(file, lex_error.line, lex_error.column, "syntax", lex_error.message);
        if (lex_error.fatal) {
          stats_.stopped = true;
          return;
        }
      }
      if (!more) return;
      if (entry.tokens.empty()) continue;
      const Token& first = entry.tokens[0];
      if (!entry.owner_blank && !first.quoted && first.text.starts_with('$')) {
        directive(st, entry, depth);
      } else {
        record(st, entry, 0, entry.tokens.size());
      }
    }
  }

  void directive(FileState& st, const Entry& e, std::size_t depth) {
    const Token& d = e.tokens[0];
    if (iequals(d.text, "$ORIGIN")) {
      if (e.tokens.size() != 2) {
        // Relative names after a broken $ORIGIN would land in the wrong place: stop.
        report_at(st, d, "bad-directive", "$ORIGIN takes exactly one domain name");
        stats_.stopped = true;
        return;
      }
      std::uint8_t buf[kMaxNameLength];
      auto len = parse_name(e.tokens[1].text, st.origin_wire(), buf);
      if (!len) {
        report_at(st, e.tokens[1], "bad-directive", "$ORIGIN: " + len.error().message);
        stats_.stopped = true;
        return;
      }
      std::copy(buf, buf + *len, st.origin.begin());
      st.origin_len = *len;
    } else if (iequals(d.text, "$TTL")) {
      if (e.tokens.size() != 2) {
        report_at(st, d, "bad-directive", "$TTL takes exactly one value");
        return;
      }
      auto ttl = parse_ttl(e.tokens[1].text);
      if (!ttl) {
        report_at(st, e.tokens[1], "bad-ttl",
                  fmt::format("bad TTL \"{}\" (decimal seconds, or units like 1h30m)",
                              e.tokens[1].text));
        return;
      }
      dollar_ttl_ = *ttl;
    } else if (iequals(d.text, "$INCLUDE")) {
      include(st, e, depth);
    } else if (iequals(d.text, "$GENERATE")) {
      generate(st, e);
    } else {
      report_at(st, d, "bad-directive", fmt::format("unknown directive \"{}\"", d.text));
    }
  }

  void include(FileState& st, const Entry& e, std::size_t depth) {
    const Token& d = e.tokens[0];
    if (e.tokens.size() < 2 || e.tokens.size() > 3) {
      report_at(st, d, "bad-directive", "$INCLUDE takes a file name and an optional origin");
      return;
    }
    fs::path target = unescape(e.tokens[1].text);
    if (target.is_relative()) target = fs::path(st.file).parent_path() / target;
    std::uint8_t origin[kMaxNameLength];
    std::size_t origin_len = st.origin_len;
    std::copy(st.origin.begin(), st.origin.begin() + static_cast<std::ptrdiff_t>(st.origin_len), origin);
    if (e.tokens.size() == 3) {
      auto len = parse_name(e.tokens[2].text, st.origin_wire(), origin);
      if (!len) {
        report_at(st, e.tokens[2], "bad-directive", "$INCLUDE origin: " + len.error().message);
        return;
      }
      origin_len = *len;
    }
    if (depth + 1 > options_.max_include_depth) {
      report_at(st, d, "include", fmt::format("$INCLUDE nested deeper than {} files",
                                               options_.max_include_depth));
      return;
    }
    auto canonical = weakly_canonical_or_self(target);
    for (const auto& open : include_stack_)
      if (weakly_canonical_or_self(open) == canonical) {
        report_at(st, e.tokens[1], "include",
                  fmt::format("$INCLUDE loop: {} is already being read", target.string()));
        return;
      }
    std::string why;
    auto chunks = ChunkedFile::open(target, options_.read_chunk, why);
    if (!chunks) {
      report_at(st, e.tokens[1], "include",
                fmt::format("cannot read $INCLUDE file {}: {}", target.string(), why));
      return;
    }
    include_stack_.push_back(canonical);
    // The included file's $ORIGIN ends with it (RFC 1035 §5.1), but a $TTL it sets stays in
    // force after it, as in BIND (Knot restores the old one; see docs/zone-files.md).
    parse(chunks->text(), chunks.get(), target.string(), {origin, origin_len}, depth + 1);
    include_stack_.pop_back();
  }

  // $GENERATE range lhs [ttl] [class] type rhs
  void generate(FileState& st, const Entry& e) {
    const auto& t = e.tokens;
    if (t.size() < 4) {
      report_at(st, t[0], "bad-directive", "$GENERATE needs a range, an owner, a type and rdata");
      return;
    }
    auto range = parse_generate_range(t[1].text);
    if (!range) {
      report_at(st, t[1], "generate", "$GENERATE: " + range.error().message);
      return;
    }
    std::uint64_t count = (static_cast<std::uint64_t>(range->stop) - range->start) / range->step + 1;
    if (count > options_.max_generate) {
      report_at(st, t[1], "generate",
                fmt::format("$GENERATE would make {} records; the limit is {}", count,
                            options_.max_generate));
      return;
    }
    // Build one record entry per value: substituted owner, the middle tokens as they are, and
    // the substituted rhs re-lexed (it may hold several rdata fields).
    for (std::uint64_t v = range->start; v <= range->stop && !stopped(); v += range->step) {
      auto value = static_cast<std::uint32_t>(v);
      generated_.clear();
      if (auto r = expand_generate(t[2].text, value, generated_); !r) {
        report_at(st, t[2], "generate", "$GENERATE owner: " + r.error().message);
        return;
      }
      std::size_t owner_len = generated_.size();
      generated_.push_back('\n');
      if (auto r = expand_generate(t.back().text, value, generated_); !r) {
        report_at(st, t.back(), "generate", "$GENERATE rdata: " + r.error().message);
        return;
      }
      Entry g;
      g.line = e.line;
      Token owner = t[2];
      owner.text = std::string_view(generated_).substr(0, owner_len);
      owner.quoted = false;
      g.tokens.push_back(owner);
      for (std::size_t i = 3; i + 1 < t.size(); ++i) g.tokens.push_back(t[i]);
      Lexer rhs(std::string_view(generated_).substr(owner_len + 1));
      Entry part;
      LexError err;
      while (rhs.next(part, err)) {
        for (auto tok : part.tokens) {
          tok.line = t.back().line;
          tok.column = t.back().column;
          g.tokens.push_back(tok);
        }
      }
      if (!err.message.empty()) {
        report_at(st, t.back(), "generate", "$GENERATE rdata: " + err.message);
        return;
      }
      record(st, g, 0, g.tokens.size());
    }
  }

  void record(FileState& st, const Entry& e, std::size_t begin, std::size_t end) {
    const auto& t = e.tokens;
    std::size_t i = begin;
    if (!e.owner_blank) {
      std::uint8_t buf[kMaxNameLength];
      auto len = parse_name(t[i].text, st.origin_wire(), buf);
      if (!len || t[i].quoted) {
        report_at(st, t[i], "bad-owner",
                  fmt::format("owner \"{}\": {}", t[i].text,
                              len ? std::string("quoted owner names are not allowed") : len.error().message));
        st.owner_len = 0;  // what follows with a blank owner would be misattributed
        return;
      }
      std::copy(buf, buf + *len, st.owner.begin());
      st.owner_len = *len;
      ++i;
    } else if (st.owner_len == 0) {
      report_at(st, t[i], "bad-owner", "no owner name, and no previous record to take it from");
      return;
    }
    std::optional<std::uint32_t> ttl;
    std::optional<std::uint16_t> rclass;
    // TTL and class, in either order, each optional (RFC 1035 §5.1).
    for (int k = 0; k < 2 && i < end; ++k) {
      std::string_view text = t[i].text;
      if (!ttl && looks_like_ttl(text)) {
        ttl = parse_ttl(text);
        if (!ttl) {
          report_at(st, t[i], "bad-ttl", fmt::format("bad TTL \"{}\"", text));
          return;
        }
        ++i;
      } else if (!rclass && !t[i].quoted) {
        auto c = class_from_text(text);
        if (!c || *c == rrclass::ANY || *c == rrclass::NONE) break;
        rclass = c;
        ++i;
      } else {
        break;
      }
    }
    if (i >= end) {
      report_after(st, e, "bad-type", "missing record type");
      return;
    }
    auto type = type_from_text(t[i].text);
    if (!type || t[i].quoted) {
      report_at(st, t[i], "bad-type", fmt::format("unknown record type \"{}\"", t[i].text));
      return;
    }
    if (rclass && *rclass != options_.zone_class) {
      report_at(st, t[i - 1], "bad-class",
                fmt::format("class {} differs from the zone's class {}", class_to_text(*rclass),
                            class_to_text(options_.zone_class)));
      return;
    }
    const Token& type_token = t[i];
    ++i;
    rdata_.clear();
    auto rd = rdata_from_text(*type, Tokens(t.data() + i, end - i), st.origin_wire(), rdata_);
    if (!rd) {
      if (rd.error().token >= end - i) report_after(st, e, "bad-rdata", type_to_text(*type) + " " + rd.error().message);
      else report_at(st, t[i + rd.error().token], "bad-rdata", type_to_text(*type) + " " + rd.error().message);
      return;
    }
    std::uint32_t record_ttl;
    if (ttl) {
      record_ttl = *ttl;
      last_ttl_ = *ttl;
    } else if (dollar_ttl_) {
      record_ttl = *dollar_ttl_;
    } else if (last_ttl_) {
      record_ttl = *last_ttl_;
    } else if (options_.default_ttl) {
      record_ttl = *options_.default_ttl;
    } else {
      // No TTL known at all. As BIND does: an SOA without a TTL makes its minimum field the
      // default for the rest of the file, as if it were a $TTL (RFC 2308 §4 gives $TTL that
      // role; before it, the minimum field was the default TTL).
      std::uint32_t fallback = 3600;
      if (*type == rrtype::SOA && rdata_.size() >= 4)
        fallback = soa_minimum_of(rdata_);
      else if (soa_minimum_)
        fallback = *soa_minimum_;
      if (!warned_no_ttl_)
        report(st.file, type_token.line, type_token.column, "no-ttl",
               fmt::format("no TTL given and no $TTL before it; using {}", fallback),
               Severity::warning);
      warned_no_ttl_ = true;
      dollar_ttl_ = fallback;
      record_ttl = fallback;
    }
    if (*type == rrtype::SOA && rdata_.size() >= 4)
      soa_minimum_ = soa_minimum_of(rdata_);
    ++stats_.records;
    sink_.record({{st.owner.data(), st.owner_len},
                  *type,
                  rclass.value_or(options_.zone_class),
                  record_ttl,
                  rdata_,
                  st.file,
                  e.line});
  }
};

}  // namespace

ParseStats parse_zone_file(const fs::path& path, const ParseOptions& options, Sink& sink) {
  Parser parser(options, sink);
  return parser.run_file(path);
}

ParseStats parse_zone_text(std::string_view text, std::string_view file, const ParseOptions& options,
                           Sink& sink) {
  Parser parser(options, sink);
  return parser.run_text(text, file);
}

}  // namespace mxkit::dns::zone
