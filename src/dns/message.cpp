// The message reader: wire → Message, with EDNS pulled out of the additional section.
#include "dns/message.hpp"

#include <string>

#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"
#include "dns/wire_reader.hpp"

namespace mxkit::dns {

std::string_view section_name(Section section) {
  switch (section) {
    case Section::Question: return "question";
    case Section::Answer: return "answer";
    case Section::Authority: return "authority";
    case Section::Additional: return "additional";
  }
  return "unknown";
}

const EdnsOption* Edns::find_option(std::uint16_t code) const {
  for (const auto& option : options)
    if (option.code == code) return &option;
  return nullptr;
}

namespace {

template <class M>
auto& records_of(M& message, Section section) {
  switch (section) {
    case Section::Authority: return message.authority;
    case Section::Additional: return message.additional;
    default: return message.answer;
  }
}

}  // namespace

std::vector<Record>& Message::records(Section section) { return records_of(*this, section); }
const std::vector<Record>& Message::records(Section section) const {
  return records_of(*this, section);
}

namespace {

// The smallest question is a root name and two 16-bit fields; the smallest record adds a TTL
// and an rdata length.
constexpr std::size_t kMinQuestionSize = 1 + 4;
constexpr std::size_t kMinRecordSize = 1 + 10;

tl::unexpected<core::Error> record_error(Section section, std::size_t index, std::string_view why) {
  std::string message(section_name(section));
  message += section == Section::Question ? " " : " record ";
  message += std::to_string(index + 1);
  message += ": ";
  message += why;
  return core::fail(std::move(message));
}

// RFC 1035 §4.1.1: the 12-octet header.
void read_header(WireReader& in, Header& header) {
  std::uint16_t id = in.u16("ID");
  std::uint8_t flags1 = in.u8("flags");
  std::uint8_t flags2 = in.u8("flags");
  header.id = id;
  header.qr = (flags1 & 0x80) != 0;
  header.opcode = static_cast<std::uint8_t>((flags1 >> 3) & 0x0F);
  header.aa = (flags1 & 0x04) != 0;
  header.tc = (flags1 & 0x02) != 0;
  header.rd = (flags1 & 0x01) != 0;
  header.ra = (flags2 & 0x80) != 0;
  header.z = (flags2 & 0x40) != 0;
  header.ad = (flags2 & 0x20) != 0;
  header.cd = (flags2 & 0x10) != 0;
  header.rcode = flags2 & 0x0F;
}

// RFC 6891 §6.1.2: the OPT record's class is the payload size, its TTL holds the extended
// rcode, version and flags, and its rdata is a list of {code, length, data} options.
core::Result<Edns> read_opt(std::size_t name_length, std::uint16_t cls, std::uint32_t ttl,
                            std::span<const std::uint8_t> rdata) {
  if (name_length != 1) return core::fail("OPT owner name is not the root (RFC 6891 §6.1.2)");
  Edns edns;
  edns.udp_payload_size = cls;
  edns.extended_rcode = static_cast<std::uint8_t>(ttl >> 24);
  edns.version = static_cast<std::uint8_t>(ttl >> 16);
  edns.do_bit = (ttl & 0x8000) != 0;
  edns.z = static_cast<std::uint16_t>(ttl & 0x7FFF);
  std::size_t pos = 0;
  while (pos < rdata.size()) {
    if (rdata.size() - pos < 4)
      return core::fail("OPT option header runs past the end of the rdata");
    auto code = static_cast<std::uint16_t>(rdata[pos] << 8 | rdata[pos + 1]);
    std::size_t length = static_cast<std::size_t>(rdata[pos + 2] << 8 | rdata[pos + 3]);
    pos += 4;
    if (length > rdata.size() - pos)
      return core::fail("OPT option " + std::to_string(code) + " runs past the end of the rdata");
    auto data = rdata.subspan(pos, length);
    edns.options.push_back({code, {data.begin(), data.end()}});
    pos += length;
  }
  return edns;
}

core::Result<void> read_questions(WireReader& in, std::size_t count, Message& out) {
  std::uint8_t name[kMaxNameLength];
  out.question.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t name_length = in.name(name);
    std::uint16_t type = in.u16("QTYPE");
    std::uint16_t cls = in.u16("QCLASS");
    if (!in.ok()) return record_error(Section::Question, i, in.error());
    out.question.push_back({Name::from_wire({name, name_length}), type, cls});
  }
  return {};
}

// RFC 1035 §4.1.3. The fixed part of a record is read whole and checked once; the rdata is then
// handed to the type table, which decompresses the names RFC 3597 §4 allows and checks that
// rdata of a known type decodes as that type.
core::Result<void> read_records(WireReader& in, Section section, std::size_t count, Message& out) {
  std::uint8_t name[kMaxNameLength];
  auto& records = out.records(section);
  records.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t name_length = in.name(name);
    std::uint16_t type = in.u16("type");
    std::uint16_t cls = in.u16("class");
    std::uint32_t ttl = in.u32("TTL");
    std::uint16_t rdlength = in.u16("rdata length");
    if (!in.ok()) return record_error(section, i, in.error());
    if (rdlength > in.remaining())
      return record_error(section, i, "rdata runs past the end of the message");
    const std::size_t rdata_at = in.position();
    in.skip(rdlength, "rdata");

    if (type == rrtype::OPT) {
      // RFC 6891 §6.1.1: one OPT at most, and only in the additional section.
      if (section != Section::Additional)
        return record_error(section, i,
                            "OPT record in the " + std::string(section_name(section)) +
                                " section (RFC 6891 §6.1.1)");
      if (out.edns) return record_error(section, i, "more than one OPT record (RFC 6891 §6.1.1)");
      auto edns = read_opt(name_length, cls, ttl, in.message().subspan(rdata_at, rdlength));
      if (!edns) return record_error(section, i, edns.error().message);
      out.edns = std::move(*edns);
      continue;
    }

    Record& record = records.emplace_back();
    record.owner = Name::from_wire({name, name_length});
    record.type = type;
    record.cls = cls;
    record.ttl = ttl;
    // RFC 2136 §2.4 and §2.5: UPDATE uses empty rdata with class ANY or NONE to mean "any
    // value" for types whose rdata could never be empty.
    if (rdlength == 0 && (cls == rrclass::ANY || cls == rrclass::NONE)) continue;
    record.rdata.reserve(rdlength);
    if (auto r = rdata_from_message(type, in.message(), rdata_at, rdlength, record.rdata); !r)
      return record_error(section, i, r.error().message);
    // rdata_from_message walks only the types whose names may be compressed; the rest it
    // copies. The table's layouts are class IN's (A means something else in CHAOS), so that
    // is the class where all known types are checked.
    if (cls == rrclass::IN && !rdata_is_well_formed(type, record.rdata))
      return record_error(section, i, "rdata does not decode as " + type_to_text(type));
  }
  return {};
}

}  // namespace

core::Result<void> parse_message(std::span<const std::uint8_t> wire, Message& out) {
  out.header = {};
  out.question.clear();
  out.answer.clear();
  out.authority.clear();
  out.additional.clear();
  out.edns.reset();

  if (wire.size() < kHeaderSize)
    return core::fail("header: message is " + std::to_string(wire.size()) +
                      " octets, shorter than the 12-octet header");
  WireReader in(wire);
  read_header(in, out.header);
  const std::size_t counts[4] = {in.u16("QDCOUNT"), in.u16("ANCOUNT"), in.u16("NSCOUNT"),
                                 in.u16("ARCOUNT")};

  // Refuse counts the data cannot hold before reserving anything for them, so a 12-octet
  // message claiming 65535 records costs nothing.
  const std::size_t least =
      counts[0] * kMinQuestionSize + (counts[1] + counts[2] + counts[3]) * kMinRecordSize;
  if (least > in.remaining())
    return core::fail("header: counts of " + std::to_string(counts[0]) + "/" +
                      std::to_string(counts[1]) + "/" + std::to_string(counts[2]) + "/" +
                      std::to_string(counts[3]) + " need at least " + std::to_string(least) +
                      " octets, but " + std::to_string(in.remaining()) + " follow the header");

  if (auto r = read_questions(in, counts[0], out); !r) return r;
  for (Section section : {Section::Answer, Section::Authority, Section::Additional})
    if (auto r = read_records(in, section, counts[static_cast<int>(section)], out); !r) return r;

  if (in.remaining() > 0)
    return core::fail("trailing data: " + std::to_string(in.remaining()) +
                      (in.remaining() == 1 ? " octet" : " octets") + " after the last record");
  if (out.edns) out.header.rcode |= static_cast<std::uint16_t>(out.edns->extended_rcode << 4);
  return {};
}

core::Result<Message> parse_message(std::span<const std::uint8_t> wire) {
  Message message;
  if (auto r = parse_message(wire, message); !r) return tl::unexpected(std::move(r.error()));
  return message;
}

}  // namespace mxkit::dns
