// dig's text layout, +short and RFC 8427 JSON for a DNS reply, and the +trace steps.
#include "cli/dig_output.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "dns/name.hpp"
#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::cli::dig {

namespace {

// dig's tab stops (BIND's master-file style): owner, TTL at 24, class 32, type 40, rdata 48.
constexpr std::size_t kTtlColumn = 24, kClassColumn = 32, kTypeColumn = 40, kRdataColumn = 48;
constexpr std::size_t kTabWidth = 8;

// Moves `column` to `stop` with tabs (and spaces past the last tab stop); a field already at
// or past the stop gets one space, so fields never run together.
void pad_to(std::string& line, std::size_t& column, std::size_t stop) {
  const std::size_t to = std::max(stop, column + 1);
  const std::size_t tabs = to / kTabWidth - column / kTabWidth;
  if (tabs > 0) {
    line.append(tabs, '\t');
    line.append(to % kTabWidth, ' ');
  } else {
    line.append(to - column, ' ');
  }
  column = to;
}

void append_field(std::string& line, std::size_t& column, std::string_view text) {
  line += text;
  column += text.size();
}

std::string name_text(const dns::Name& name) {
  std::string text;
  dns::append_name_text(name.wire(), text);
  return text;
}

std::string rdata_text(const dns::Record& record) {
  std::string text;
  dns::append_rdata_text(record.type, record.rdata, text);
  return text;
}

std::string hex(std::span<const std::uint8_t> data, bool upper) {
  std::string text;
  core::append_hex(data, text, upper);
  return text;
}

// Printable octets as they are, others as '.', for the text beside an option's hex.
std::string printable(std::span<const std::uint8_t> data) {
  std::string text;
  for (auto octet : data) text.push_back(octet >= 0x20 && octet < 0x7f ? static_cast<char>(octet) : '.');
  return text;
}

void append_section(std::string& out, std::string_view title, const std::vector<dns::Record>& records,
                    bool shown, const Display& display) {
  if (!shown || records.empty()) return;
  if (display.comments) out += fmt::format(";; {} SECTION:\n", title);
  for (const auto& record : records) {
    out += record_line(record, display.multiline);
    out += '\n';
  }
  if (display.comments) out += "\n";
}

// The OPT record as it was on the wire (RFC 6891 §6.1.2-§6.1.3): class = UDP size, TTL =
// extended rcode, version, DO and the other flag bits; rdata = the options.
dns::Record opt_record(const dns::Message& message) {
  const dns::Edns& edns = *message.edns;
  dns::Record opt;
  opt.type = dns::rrtype::OPT;
  opt.cls = edns.udp_payload_size;
  const auto extended = static_cast<std::uint32_t>(message.header.rcode >> 4);
  opt.ttl = (extended << 24) | (std::uint32_t{edns.version} << 16) | (edns.do_bit ? 0x8000u : 0u) |
            (edns.z & 0x7fffu);
  for (const auto& option : edns.options) {
    opt.rdata.push_back(static_cast<std::uint8_t>(option.code >> 8));
    opt.rdata.push_back(static_cast<std::uint8_t>(option.code));
    opt.rdata.push_back(static_cast<std::uint8_t>(option.data.size() >> 8));
    opt.rdata.push_back(static_cast<std::uint8_t>(option.data.size()));
    opt.rdata.insert(opt.rdata.end(), option.data.begin(), option.data.end());
  }
  return opt;
}


nlohmann::ordered_json records_json(const std::vector<dns::Record>& records) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& record : records) list.push_back(record_json(record));
  return list;
}

std::string rfc3339_utc(std::time_t when) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  std::array<char, 32> buffer{};
  const std::size_t n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer.data(), n);
}

// Extended DNS Error info codes (RFC 8914 §4), as dig names them.
constexpr std::array<std::string_view, 25> kEdeNames = {
    "Other",                    "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type",
    "Stale Answer",             "Forged Answer",                "DNSSEC Indeterminate",
    "DNSSEC Bogus",             "Signature Expired",            "Signature Not Yet Valid",
    "DNSKEY Missing",           "RRSIGs Missing",               "No Zone Key Bit Set",
    "NSEC Missing",             "Cached Error",                 "Not Ready",
    "Blocked",                  "Censored",                     "Filtered",
    "Prohibited",               "Stale NXDOMAIN Answer",        "Not Authoritative",
    "Not Supported",            "No Reachable Authority",       "Network Error",
    "Invalid Data"};

std::string edns_option_line(const dns::EdnsOption& option) {
  switch (option.code) {
    case dns::edns_option::COOKIE:
      return fmt::format("; COOKIE: {}\n", hex(option.data, false));
    case dns::edns_option::NSID:
    {
      // RFC 5001 §2.3: the server's identifier, opaque octets; dig shows each octet's hex
      // apart, then the printable text.
      std::string octets;
      for (auto octet : option.data) octets += fmt::format("{}{:02x}", octets.empty() ? "" : " ", octet);
      return fmt::format("; NSID: {} (\"{}\")\n", octets, printable(option.data));
    }
    case dns::edns_option::EXTENDED_ERROR: {
      // RFC 8914 §2: INFO-CODE (2 octets) then UTF-8 EXTRA-TEXT.
      if (option.data.size() < 2) break;
      const unsigned code = (unsigned{option.data[0]} << 8) | option.data[1];
      const std::span<const std::uint8_t> text(option.data.data() + 2, option.data.size() - 2);
      std::string line = fmt::format("; EDE: {}", code);
      if (code < kEdeNames.size()) line += fmt::format(" ({})", kEdeNames[code]);
      if (!text.empty()) line += fmt::format(": ({})", printable(text));
      return line + '\n';
    }
    default:
      break;
  }
  return fmt::format("; OPT={}: {} (\"{}\")\n", option.code, hex(option.data, false), printable(option.data));
}

}  // namespace

nlohmann::ordered_json record_json(const dns::Record& record) {
  nlohmann::ordered_json rr;
  rr["NAME"] = name_text(record.owner);
  rr["TYPE"] = record.type;
  rr["TYPEname"] = dns::type_to_text(record.type);
  rr["CLASS"] = record.cls;
  rr["CLASSname"] = dns::class_to_text(record.cls);
  rr["TTL"] = record.ttl;
  // RFC 8427 §2.3 names the presentation-format member "rdata" + the type's mnemonic; a type
  // known only by number, and OPT (which has no presentation form), get RDATAHEX alone.
  const std::string_view mnemonic = dns::type_mnemonic(record.type);
  if (!mnemonic.empty() && record.type != dns::rrtype::OPT)
    rr[fmt::format("rdata{}", mnemonic)] = rdata_text(record);
  rr["RDLENGTH"] = record.rdata.size();
  rr["RDATAHEX"] = hex(record.rdata, true);
  return rr;
}

std::string opcode_text(std::uint8_t opcode) {
  switch (opcode) {
    case dns::opcode::QUERY: return "QUERY";
    case dns::opcode::IQUERY: return "IQUERY";
    case dns::opcode::STATUS: return "STATUS";
    case dns::opcode::NOTIFY: return "NOTIFY";
    case dns::opcode::UPDATE: return "UPDATE";
    case dns::opcode::DSO: return "DSO";
    default: return fmt::format("RESERVED{}", opcode);
  }
}

std::string rcode_text(std::uint16_t rcode) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode < kNames.size()) return std::string(kNames[rcode]);
  if (rcode == dns::rcode::BADVERS) return "BADVERS";
  if (rcode == dns::rcode::BADCOOKIE) return "BADCOOKIE";
  return fmt::format("RESERVED{}", rcode);
}

std::string record_line(const dns::Record& record) { return record_line(record, false); }

std::string duration_words(std::uint32_t seconds) {
  static constexpr std::array<std::pair<std::uint32_t, std::string_view>, 5> kUnits = {
      {{604800, "week"}, {86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}}};
  std::string out;
  for (const auto& [size, unit] : kUnits) {
    const std::uint32_t n = seconds / size;
    seconds %= size;
    if (n == 0) continue;
    out += fmt::format("{}{} {}{}", out.empty() ? "" : " ", n, unit, n == 1 ? "" : "s");
  }
  return out.empty() ? "0 seconds" : out;
}

std::string xfr_size_line(std::size_t records, std::size_t messages, std::size_t bytes) {
  return fmt::format(";; XFR size: {} records (messages {}, bytes {})\n", records, messages, bytes);
}

std::string record_line(const dns::Record& record, bool multiline) {
  if (multiline) {
    // BIND's multi-line style: the class follows the TTL, the rdata follows the type; an SOA's
    // numbers go on lines of their own, indented to column 32, each with what it means
    // (RFC 1035 §3.3.13).
    std::string line;
    std::size_t column = 0;
    append_field(line, column, name_text(record.owner));
    pad_to(line, column, kTtlColumn);
    append_field(line, column, std::to_string(record.ttl));
    pad_to(line, column, kTtlColumn);
    append_field(line, column, dns::class_to_text(record.cls));
    pad_to(line, column, kClassColumn);
    append_field(line, column, dns::type_to_text(record.type));
    pad_to(line, column, kClassColumn);
    std::string rdata = rdata_text(record);
    if (record.type != dns::rrtype::SOA) return line + rdata;
    // "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM": the last five are numbers.
    std::vector<std::string_view> fields;
    for (std::size_t at = 0; at < rdata.size();) {
      const auto space = rdata.find(' ', at);
      const auto end = space == std::string::npos ? rdata.size() : space;
      fields.emplace_back(rdata.data() + at, end - at);
      at = end + 1;
    }
    if (fields.size() != 7) return line + rdata;
    const std::string indent(kClassColumn / kTabWidth, '\t');
    line += fmt::format("{} {} (\n", fields[0], fields[1]);
    line += fmt::format("{}{:<10} ; serial\n", indent, fields[2]);
    static constexpr std::array<std::string_view, 4> kTimers = {"refresh", "retry", "expire", "minimum"};
    for (std::size_t i = 0; i < kTimers.size(); ++i) {
      const std::string_view field = fields[3 + i];
      std::uint32_t value = 0;
      std::from_chars(field.data(), field.data() + field.size(), value);
      line += fmt::format("{}{:<10} ; {} ({})\n", indent, field, kTimers[i], duration_words(value));
    }
    return line + indent + ")";
  }
  std::string line;
  std::size_t column = 0;
  append_field(line, column, name_text(record.owner));
  pad_to(line, column, kTtlColumn);
  append_field(line, column, std::to_string(record.ttl));
  pad_to(line, column, kClassColumn);
  append_field(line, column, dns::class_to_text(record.cls));
  pad_to(line, column, kTypeColumn);
  append_field(line, column, dns::type_to_text(record.type));
  pad_to(line, column, kRdataColumn);
  append_field(line, column, rdata_text(record));
  return line;
}

std::string question_line(const dns::Question& question, bool multiline) {
  if (!multiline) return question_line(question);
  std::string line = ";";
  std::size_t column = 0;
  append_field(line, column, name_text(question.name));
  pad_to(line, column, kTtlColumn);
  append_field(line, column, dns::class_to_text(question.cls));
  append_field(line, column, " ");
  append_field(line, column, dns::type_to_text(question.type));
  return line;
}

std::string question_line(const dns::Question& question) {
  // dig writes the ';' before the record and counts columns from after it, so a question's
  // tabs do not line up with the records' (visible with 23-character names).
  std::string line = ";";
  std::size_t column = 0;
  append_field(line, column, name_text(question.name));
  pad_to(line, column, kClassColumn);
  append_field(line, column, dns::class_to_text(question.cls));
  pad_to(line, column, kTypeColumn);
  append_field(line, column, dns::type_to_text(question.type));
  return line;
}

std::string header_lines(const dns::Message& message) {
  const dns::Header& h = message.header;
  std::string flags;
  const std::array<std::pair<bool, std::string_view>, 7> bits = {
      {{h.qr, "qr"}, {h.aa, "aa"}, {h.tc, "tc"}, {h.rd, "rd"}, {h.ra, "ra"}, {h.ad, "ad"}, {h.cd, "cd"}}};
  for (const auto& [set, name] : bits)
    if (set) flags += fmt::format(" {}", name);
  const std::size_t additional = message.additional.size() + (message.edns ? 1 : 0);
  return fmt::format(
      ";; ->>HEADER<<- opcode: {}, status: {}, id: {}\n"
      ";; flags:{}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}\n",
      opcode_text(h.opcode), rcode_text(h.rcode), h.id, flags, message.question.size(),
      message.answer.size(), message.authority.size(), additional);
}

std::string edns_lines(const dns::Edns& edns) {
  std::string flags = edns.do_bit ? " do" : "";
  std::string mbz = (edns.z & 0x7fff) != 0 ? fmt::format(" MBZ: 0x{:04x},", edns.z & 0x7fff) : "";
  std::string out = fmt::format("; EDNS: version: {}, flags:{};{} udp: {}\n", edns.version, flags, mbz,
                                edns.udp_payload_size);
  for (const auto& option : edns.options) out += edns_option_line(option);
  return out;
}

std::string reply_text(const dns::Message& message, const ReplyInfo& info, const Display& display) {
  std::string out;
  if (display.comments) {
    out += ";; Got answer:\n";
    out += header_lines(message);
    if (message.header.rd && !message.header.ra) out += ";; WARNING: recursion requested but not available\n";
    out += "\n";
    if (message.edns) {
      out += ";; OPT PSEUDOSECTION:\n";
      out += edns_lines(*message.edns);
    }
  }
  if (display.question && !message.question.empty()) {
    if (display.comments) out += ";; QUESTION SECTION:\n";
    for (const auto& q : message.question) {
      out += question_line(q, display.multiline);
      out += '\n';
    }
    if (display.comments) out += "\n";
  }
  append_section(out, "ANSWER", message.answer, display.answer, display);
  append_section(out, "AUTHORITY", message.authority, display.authority, display);
  append_section(out, "ADDITIONAL", message.additional, display.additional, display);
  if (display.stats) {
    const auto msec = std::chrono::duration_cast<std::chrono::milliseconds>(info.elapsed).count();
    out += fmt::format(";; Query time: {} msec\n", msec);
    out += fmt::format(";; SERVER: {}({}) ({})\n", server_text(info.server, info.port), info.server,
                       info.over_tcp ? "TCP" : "UDP");
    out += fmt::format(";; WHEN: {}\n", when_text(info.when));
    out += fmt::format(";; MSG SIZE  rcvd: {}\n\n", info.size);
  }
  return out;
}

std::string short_text(const dns::Message& message) {
  std::string out;
  for (const auto& record : message.answer) {
    out += rdata_text(record);
    out += '\n';
  }
  return out;
}

std::string json_text(const dns::Message& message, std::span<const std::uint8_t> wire, const ReplyInfo& info) {
  const dns::Header& h = message.header;
  nlohmann::ordered_json j;
  j["dateString"] = rfc3339_utc(info.when);
  j["dateSeconds"] = static_cast<std::int64_t>(info.when);
  j["msgLength"] = wire.size();
  j["ID"] = h.id;
  j["QR"] = h.qr ? 1 : 0;
  j["Opcode"] = h.opcode;
  j["AA"] = h.aa ? 1 : 0;
  j["TC"] = h.tc ? 1 : 0;
  j["RD"] = h.rd ? 1 : 0;
  j["RA"] = h.ra ? 1 : 0;
  j["AD"] = h.ad ? 1 : 0;
  j["CD"] = h.cd ? 1 : 0;
  j["RCODE"] = h.rcode;
  j["QDCOUNT"] = message.question.size();
  j["ANCOUNT"] = message.answer.size();
  j["NSCOUNT"] = message.authority.size();
  j["ARCOUNT"] = message.additional.size() + (message.edns ? 1 : 0);
  if (!message.question.empty()) {
    const dns::Question& q = message.question.front();
    j["QNAME"] = name_text(q.name);
    j["QTYPE"] = q.type;
    j["QTYPEname"] = dns::type_to_text(q.type);
    j["QCLASS"] = q.cls;
    j["QCLASSname"] = dns::class_to_text(q.cls);
  }
  nlohmann::ordered_json questions = nlohmann::ordered_json::array();
  for (const auto& q : message.question)
    questions.push_back({{"NAME", name_text(q.name)},
                         {"TYPE", q.type},
                         {"TYPEname", dns::type_to_text(q.type)},
                         {"CLASS", q.cls},
                         {"CLASSname", dns::class_to_text(q.cls)}});
  j["questionRRs"] = std::move(questions);
  j["answerRRs"] = records_json(message.answer);
  j["authorityRRs"] = records_json(message.authority);
  nlohmann::ordered_json additional = records_json(message.additional);
  if (message.edns) additional.push_back(record_json(opt_record(message)));
  j["additionalRRs"] = std::move(additional);
  j["messageOctetsHEX"] = hex(wire, true);
  return j.dump(2) + "\n";
}

std::string banner(std::string_view args, std::size_t servers_found) {
  std::string out = fmt::format("\n; <<>> mxkit dig 0.1.0 <<>> {}\n", args);
  if (servers_found > 0)
    out += fmt::format("; ({} server{} found)\n", servers_found, servers_found == 1 ? "" : "s");
  out += ";; global options: +cmd\n";
  return out;
}

std::string when_text(std::time_t when) {
  std::tm tm{};
  localtime_r(&when, &tm);
  std::array<char, 64> buffer{};
  const std::size_t n = std::strftime(buffer.data(), buffer.size(), "%a %b %d %H:%M:%S %Z %Y", &tm);
  return std::string(buffer.data(), n);
}

std::string server_text(std::string_view address, std::uint16_t port) {
  return fmt::format("{}#{}", address, port);
}

std::string communications_error(std::string_view address, std::uint16_t port, std::string_view reason) {
  return fmt::format(";; communications error to {}: {}\n", server_text(address, port), reason);
}

std::string trace_step_text(const resolver::TraceStep& step, const std::map<std::string, std::string>& names,
                            bool name_question) {
  std::string out;
  for (const auto& record : step.records) {
    out += record_line(record);
    out += '\n';
  }
  if (step.server == "cache") {
    out += fmt::format(";; {} {} answered from the cache\n\n", name_text(step.qname), dns::type_to_text(step.qtype));
    return out;
  }
  // TraceStep names a server "IP:PORT" or "[IPv6]:PORT".
  std::string address = step.server;
  std::string port = "53";
  if (const auto colon = step.server.rfind(':'); colon != std::string::npos) {
    address = step.server.substr(0, colon);
    port = step.server.substr(colon + 1);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
      address = address.substr(1, address.size() - 2);
  }
  // The name server's name from the resolver when it knows one, else one learned from the
  // hints and the records seen so far, else the address (as dig does).
  const auto named = names.find(address);
  const std::string label = !step.server_name.is_root() ? step.server_name.to_text()
                            : named != names.end()      ? named->second
                                                        : address;
  const auto msec = std::chrono::duration_cast<std::chrono::milliseconds>(step.elapsed).count();
  if (step.reply_size == 0) {
    const std::string reason = step.outcome.empty() ? "no reply" : step.outcome == "timeout" ? "timed out" : step.outcome;
    out += fmt::format(";; communications error to {}#{}({}): {}", address, port, label, reason);
    if (name_question) out += fmt::format(" for {} {}", name_text(step.qname), dns::type_to_text(step.qtype));
    out += "\n\n";
    return out;
  }
  out += fmt::format(";; Received {} bytes from {}#{}({}) in {} ms", step.reply_size, address, port, label, msec);
  if (name_question) out += fmt::format(" for {} {}", name_text(step.qname), dns::type_to_text(step.qtype));
  out += '\n';
  if (step.outcome != "answer" && step.outcome.rfind("referral", 0) != 0)
    out += fmt::format(";; {} {}: {}\n", name_text(step.qname), dns::type_to_text(step.qtype), step.outcome);
  out += "\n";
  return out;
}

}  // namespace mxkit::cli::dig
