// What `mxkit dig` prints: a DNS reply in dig's text layout, as +short rdata lines, or as
// RFC 8427 JSON; and the +trace steps. Pure functions of a message and its metadata.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "dns/message.hpp"
#include "resolver/resolution.hpp"

namespace mxkit::cli::dig {

// Where a reply came from and what it cost: the lines dig prints under the sections.
struct ReplyInfo {
  std::string server;  // the address asked, "127.0.0.1" or "::1"
  std::uint16_t port = 53;
  bool over_tcp = false;
  std::chrono::microseconds elapsed{0};
  std::size_t size = 0;  // octets of the reply as received
  std::time_t when = 0;  // wall-clock time the reply arrived
};

// Which parts of a reply are printed: dig's +[no]comments, +[no]question, ... (+noall clears
// them all, and +answer then turns one back on).
struct Display {
  bool comments = true;  // ";; Got answer:", the header, the OPT pseudosection, section titles
  bool question = true;
  bool answer = true;
  bool authority = true;
  bool additional = true;
  bool stats = true;       // query time, server, when, message size
  bool multiline = false;  // +multi: BIND's multi-line records (see record_line)
};

std::string opcode_text(std::uint8_t opcode);  // "QUERY", "NOTIFY", or the number
std::string rcode_text(std::uint16_t rcode);   // "NOERROR", "NXDOMAIN", "BADVERS", or the number

// One record as dig prints it: owner, TTL, class, type and rdata at dig's tab stops (columns
// 24, 32, 40 and 48; a field that runs past its stop is followed by one space instead).
std::string record_line(const dns::Record& record);
// +multi, as BIND's multi-line style prints a record: TTL at column 24 and the class after it,
// the type at 32, the rdata after one space; an SOA spreads its numbers over lines of their own
// in parentheses, each with a comment ("; refresh (1 hour)"). Other types stay on one line.
std::string record_line(const dns::Record& record, bool multiline);
// +multi's question: the class at column 24, the type after one space.
std::string question_line(const dns::Question& question, bool multiline);
// A time in BIND's words for the SOA comments: "1 hour", "2 weeks", "1 day 2 hours", "0 seconds".
std::string duration_words(std::uint32_t seconds);
// The line after a zone transfer: ";; XFR size: 7 records (messages 1, bytes 213)".
std::string xfr_size_line(std::size_t records, std::size_t messages, std::size_t bytes);

// The RFC 8427 object of one record (as in json_text's sections).
nlohmann::ordered_json record_json(const dns::Record& record);
// ";example.test.<tabs>IN<tab>MX": a question has no TTL, so the class stops at column 32
// (counted, as dig counts, from after the ';').
std::string question_line(const dns::Question& question);
// ";; ->>HEADER<<- ..." and ";; flags: ...; QUERY: 1, ..." (ADDITIONAL counts the OPT record).
std::string header_lines(const dns::Message& message);
// "; EDNS: version: 0, flags: do; udp: 1232" and a line per option.
std::string edns_lines(const dns::Edns& edns);

// The reply from ";; Got answer:" to ";; MSG SIZE  rcvd: N" and the blank line dig ends with.
std::string reply_text(const dns::Message& message, const ReplyInfo& info,
                       const Display& display = {});

// +short: the rdata of each answer record, one a line.
std::string short_text(const dns::Message& message);

// RFC 8427 JSON: header members (flags as 0/1, as kdig writes them), QNAME/QTYPE/QCLASS of the
// first question, questionRRs, answerRRs, authorityRRs, additionalRRs (the OPT record included,
// as it is on the wire), each RR with NAME, TYPE, TYPEname, CLASS, CLASSname, TTL, RDLENGTH,
// RDATAHEX and rdata<TYPE> in presentation format; plus dateString, dateSeconds, msgLength and
// messageOctetsHEX from the reply as received.
std::string json_text(const dns::Message& message, std::span<const std::uint8_t> wire,
                      const ReplyInfo& info);

// "\n; <<>> mxkit dig 0.1.0 <<>> ARGS\n" then "; (N server(s) found)" when a server was named
// (N: its addresses), then ";; global options: +cmd".
std::string banner(std::string_view args, std::size_t servers_found);

// dig's ";; WHEN:" form in local time: "Fri Nov 27 09:38:07 UTC 2026".
std::string when_text(std::time_t when);

// "IP#PORT", as dig names a server.
std::string server_text(std::string_view address, std::uint16_t port);
// ";; communications error to IP#PORT: REASON"
std::string communications_error(std::string_view address, std::uint16_t port,
                                 std::string_view reason);

// One +trace step: the records it brought (a referral's NS set, or the answer), then
// ";; Received N bytes from IP#PORT(NAME) in M ms", where NAME is the server's name when
// `names` knows the address (from root hints, earlier referrals' glue or answers) and the
// address otherwise. A step without a reply prints a communications error instead. A step for
// another question than the one traced (the address of a name server, say) ends its line with
// " for NAME TYPE" when `name_question` is set.
std::string trace_step_text(const resolver::TraceStep& step,
                            const std::map<std::string, std::string>& names,
                            bool name_question = false);

// Where +trace started: the root NS set and where it came from ("root hints FILE", or the
// server "IP#PORT" asked for ". NS").
struct TraceStart {
  std::string source;
  std::vector<dns::Record> records;
};

// +trace +json (docs/json.md): the question, the root NS set and its source, then every step
// with its server (address, port, name), the zone asked, the result ("referral to test.",
// "answer", ...), the referral's zone, the rcode, the time, the size and the records; then the
// resolution's status.
std::string trace_json_text(const dns::Question& question, const TraceStart& start,
                            const resolver::Resolution& resolution,
                            const std::map<std::string, std::string>& names);

}  // namespace mxkit::cli::dig
