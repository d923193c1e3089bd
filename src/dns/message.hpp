// DNS messages (RFC 1035 §4.1) as values, with EDNS (RFC 6891), and the message reader.
// The writer is MessageBuilder in dns/message_builder.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/name.hpp"

namespace mxkit::dns {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxMessageSize = 65535;  // the TCP length prefix's limit
inline constexpr std::size_t kClassicUdpSize = 512;    // RFC 1035 §4.2.1, without EDNS

namespace opcode {
inline constexpr std::uint8_t QUERY = 0, IQUERY = 1, STATUS = 2, NOTIFY = 4, UPDATE = 5, DSO = 6;
}

// Response codes; those above 15 exist only with EDNS (RFC 6891 §6.1.3).
namespace rcode {
inline constexpr std::uint16_t NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4,
                               REFUSED = 5, YXDOMAIN = 6, YXRRSET = 7, NXRRSET = 8, NOTAUTH = 9,
                               NOTZONE = 10, BADVERS = 16, BADCOOKIE = 23;
}

// EDNS option codes (IANA "DNS EDNS0 Option Codes").
namespace edns_option {
inline constexpr std::uint16_t NSID = 3, CLIENT_SUBNET = 8, EXPIRE = 9, COOKIE = 10,
                               TCP_KEEPALIVE = 11, PADDING = 12, EXTENDED_ERROR = 15;
}

enum class Section : std::uint8_t { Question, Answer, Authority, Additional };
std::string_view section_name(Section section);  // "question", "answer", ...

// RFC 1035 §4.1.1, with the AD and CD bits of RFC 4035 §3.2.
struct Header {
  std::uint16_t id = 0;
  bool qr = false;
  std::uint8_t opcode = opcode::QUERY;  // 4 bits
  bool aa = false;
  bool tc = false;
  bool rd = false;
  bool ra = false;
  bool z = false;  // the reserved bit; kept so a message re-serialises to what was read
  bool ad = false;
  bool cd = false;
  // The whole 12-bit rcode: the header's 4 bits, plus the OPT record's 8 extended bits above
  // them when the message has EDNS (RFC 6891 §6.1.3).
  std::uint16_t rcode = rcode::NOERROR;

  friend bool operator==(const Header&, const Header&) = default;
};

struct Question {
  Name name;
  std::uint16_t type = 0;
  std::uint16_t cls = 1;

  friend bool operator==(const Question&, const Question&) = default;
};

// A resource record with its rdata in canonical form: names inside it uncompressed, case kept.
struct Record {
  Name owner;
  std::uint16_t type = 0;
  std::uint16_t cls = 1;
  std::uint32_t ttl = 0;  // as sent; RFC 2181 §8's "top bit set means zero" is the user's call
  std::vector<std::uint8_t> rdata;

  friend bool operator==(const Record&, const Record&) = default;
};

struct EdnsOption {
  std::uint16_t code = 0;
  std::vector<std::uint8_t> data;

  friend bool operator==(const EdnsOption&, const EdnsOption&) = default;
};

// The OPT pseudo-record (RFC 6891 §6.1.2-§6.1.4), pulled out of the additional section.
struct Edns {
  std::uint16_t udp_payload_size = 1232;  // the OPT class; 1232 is the 2020 DNS flag day value
  // The upper 8 bits of the rcode as the OPT carried them. The reader also merges them into
  // Header::rcode; the writer takes them from Header::rcode and ignores this field, so the
  // rcode has a single source when building.
  std::uint8_t extended_rcode = 0;
  std::uint8_t version = 0;
  bool do_bit = false;  // DNSSEC OK (RFC 3225)
  std::uint16_t z = 0;  // the 15 flag bits after DO; must be zero when sent (RFC 6891 §6.1.4)
  std::vector<EdnsOption> options;

  const EdnsOption* find_option(std::uint16_t code) const;
  friend bool operator==(const Edns&, const Edns&) = default;
};

struct Message {
  Header header;
  std::vector<Question> question;
  std::vector<Record> answer;
  std::vector<Record> authority;
  std::vector<Record> additional;  // without the OPT record, which is `edns`
  std::optional<Edns> edns;

  std::vector<Record>& records(Section section);  // not Section::Question
  const std::vector<Record>& records(Section section) const;
  friend bool operator==(const Message&, const Message&) = default;  // names compare as in DNS
};

// Reads a whole message. Anything malformed is an error naming the part and what is wrong,
// e.g. "answer record 2: rdata runs past the end of the message". Besides broken framing this
// refuses: compression pointers that do not point backwards (so no loops), names over 255
// octets, rdata of a known type that does not decode as it (in class IN; elsewhere only the
// types holding names are checked, as they must be walked anyway), an OPT record outside the
// additional section, not owned by the root or appearing twice (RFC 6891 §6.1.1), and octets
// after the last record. That last one is a choice: RFC 1035 does not forbid them, but they
// mean the counts and the data disagree, and a reader that quietly drops them would make
// a message that does not round-trip.
core::Result<Message> parse_message(std::span<const std::uint8_t> wire);

// As above, into `out`, reusing the capacity of its vectors (a server parsing one query after
// another keeps one Message per worker). On error `out` holds what was read so far.
core::Result<void> parse_message(std::span<const std::uint8_t> wire, Message& out);

}  // namespace mxkit::dns
