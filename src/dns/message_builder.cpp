// The message writer: header, sections, name compression, the OPT record and truncation.
#include "dns/message_builder.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "dns/rdata.hpp"
#include "dns/rrtype.hpp"

namespace mxkit::dns {

namespace {

void put16(std::uint8_t* p, std::size_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xFFFF);
}

// True when the name written at `at` (possibly ending in a pointer) is `name`, octet for
// octet. The caller has checked the uncompressed lengths are equal, so the walk cannot run past
// the end of `name`; the message side holds only names this builder wrote, whose pointers all
// point backwards.
bool written_name_equals(const std::uint8_t* message, std::size_t at, WireName name) {
  std::size_t i = 0;
  for (;;) {
    const std::uint8_t octet = message[at];
    if ((octet & 0xC0) == 0xC0) {
      at = static_cast<std::size_t>(octet & 0x3F) << 8 | message[at + 1];
      continue;
    }
    if (octet != name[i]) return false;
    if (octet == 0) return true;
    // Labels are short; a loop beats a call to memcmp here.
    for (std::size_t k = 1; k <= octet; ++k)
      if (message[at + k] != name[i + k]) return false;
    at += octet + 1u;
    i += octet + 1u;
  }
}

bool has_compressed_names(const TypeSpec& spec) {
  return std::any_of(spec.fields.begin(), spec.fields.end(),
                     [](const FieldSpec& f) { return f.kind == FieldKind::CompressedName; });
}

// Octets a fixed-width field takes, or 0 for a kind whose width depends on its contents.
std::size_t fixed_width(FieldKind kind) {
  switch (kind) {
    case FieldKind::U8:
    case FieldKind::Algorithm: return 1;
    case FieldKind::U16:
    case FieldKind::CertType:
    case FieldKind::TypeCode: return 2;
    case FieldKind::U32:
    case FieldKind::Period:
    case FieldKind::Time:
    case FieldKind::IPv4: return 4;
    case FieldKind::IPv6: return 16;
    default: return 0;
  }
}

}  // namespace

CompressionTable::Match CompressionTable::find(const std::uint8_t* message, WireName name) const {
  // Which suffix lengths `name` has: a bit per length, 256 bits, cleared in four stores.
  std::uint64_t lengths[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; name[i] != 0; i += name[i] + 1u) {
    const std::size_t length = name.size() - i;
    lengths[length >> 6] |= std::uint64_t{1} << (length & 63);
  }
  Match best{-1, 0};
  for (std::size_t e = 0; e < size_; ++e) {
    const std::size_t length = entries_[e].length;
    if (length <= best.length || !(lengths[length >> 6] >> (length & 63) & 1)) continue;
    const std::size_t start = name.size() - length;
    if (entries_[e].first != name[start + 1]) continue;
    if (written_name_equals(message, entries_[e].offset, name.subspan(start))) {
      best = {entries_[e].offset, length};
      if (length == name.size()) break;
    }
  }
  return best;
}

MessageBuilder::MessageBuilder(std::span<std::uint8_t> buffer, const Header& header)
    : buffer_(buffer), limit_(std::min(buffer.size(), kMaxMessageSize)), header_(header) {
  if (buffer.size() < kHeaderSize)
    throw std::invalid_argument("MessageBuilder: buffer smaller than the 12-octet header");
}

void MessageBuilder::check_section(Section section) {
  if (finished_) throw std::logic_error("MessageBuilder: add after finish()");
  if (section < section_)
    throw std::logic_error("MessageBuilder: " + std::string(section_name(section)) +
                           " added after the " + std::string(section_name(section_)) + " section");
  section_ = section;
}

void MessageBuilder::overflowed(Section section) {
  if (section == Section::Additional) return;  // RFC 2181 §9: extra data does not set TC
  truncated_ = true;
  closed_ = true;
}

void MessageBuilder::rollback(const Mark& m) {
  if (finished_) throw std::logic_error("MessageBuilder: rollback after finish()");
  pos_ = m.position;
  counts_ = m.counts;
  table_.truncate(m.compression_entries);
  section_ = m.section;
}

bool MessageBuilder::write_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > room()) return false;
  if (!bytes.empty()) std::memcpy(buffer_.data() + pos_, bytes.data(), bytes.size());
  pos_ += bytes.size();
  return true;
}

// RFC 1035 §4.1.4: the longest suffix of `name` already in the message is replaced by a
// pointer to it. The labels written out in full are remembered for later names.
bool MessageBuilder::write_name(WireName name) {
  const std::size_t size = name.size();
  if (wire_name_length(name) != size)
    throw std::invalid_argument("MessageBuilder: malformed wire name");
  const auto match = table_.find(buffer_.data(), name);
  const std::size_t literal = size - match.length;  // all of it when nothing matched
  if (literal + (match.offset >= 0 ? 2 : 0) > room()) return false;
  std::memcpy(buffer_.data() + pos_, name.data(), literal);
  for (std::size_t i = 0; i < literal && name[i] != 0; i += name[i] + 1u)
    table_.add(pos_ + i, size - i, name[i + 1]);
  pos_ += literal;
  if (match.offset >= 0) {
    put16(buffer_.data() + pos_, 0xC000u | static_cast<std::size_t>(match.offset));
    pos_ += 2;
  }
  return true;
}

// Rdata goes out as given, except that the names the type table marks CompressedName are
// compressed. The fields before such a name are all of fixed width in every type RFC 1035
// defines, so a walk over fixed widths and names finds them; a walk that meets anything else,
// or rdata that does not decode, stops, and the rest is copied as it stands, which is always
// correct, only not compressed.
bool MessageBuilder::write_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata) {
  const TypeSpec* spec = find_type_spec(type);
  if (!spec || !has_compressed_names(*spec)) return write_bytes(rdata);

  struct Span {
    std::size_t at, length;
  };
  std::array<Span, 4> names{};  // MINFO and SOA have two; no type has more than four
  std::size_t found = 0;
  std::size_t at = 0;
  for (const auto& field : spec->fields) {
    std::size_t width = fixed_width(field.kind);
    if (field.kind == FieldKind::CompressedName || field.kind == FieldKind::Name) {
      width = wire_name_length(rdata.subspan(at));
      if (width != 0 && field.kind == FieldKind::CompressedName && found < names.size())
        names[found++] = {at, width};
    }
    if (width == 0 || width > rdata.size() - at) break;
    at += width;
  }

  std::size_t copied = 0;
  for (std::size_t n = 0; n < found; ++n) {
    if (!write_bytes(rdata.subspan(copied, names[n].at - copied))) return false;
    if (!write_name(rdata.subspan(names[n].at, names[n].length))) return false;
    copied = names[n].at + names[n].length;
  }
  return write_bytes(rdata.subspan(copied));
}

bool MessageBuilder::write_record(WireName owner, std::uint16_t type, std::uint16_t cls,
                                  std::uint32_t ttl, std::span<const std::uint8_t> rdata,
                                  Section section) {
  if (closed_) return false;
  const Mark start = mark();
  if (!write_name(owner) || room() < 10) {
    rollback(start);
    return false;
  }
  std::uint8_t* fixed = buffer_.data() + pos_;
  put16(fixed, type);
  put16(fixed + 2, cls);
  put32(fixed + 4, ttl);
  pos_ += 10;
  const std::size_t rdata_at = pos_;
  if (!write_rdata(type, rdata) || pos_ - rdata_at > 0xFFFF) {
    rollback(start);
    return false;
  }
  put16(buffer_.data() + rdata_at - 2, pos_ - rdata_at);
  ++counts_[static_cast<int>(section)];
  return true;
}

bool MessageBuilder::add_question(WireName name, std::uint16_t type, std::uint16_t cls) {
  check_section(Section::Question);
  if (closed_) return false;
  const Mark start = mark();
  if (write_name(name) && room() >= 4) {
    put16(buffer_.data() + pos_, type);
    put16(buffer_.data() + pos_ + 2, cls);
    pos_ += 4;
    ++counts_[static_cast<int>(Section::Question)];
    return true;
  }
  rollback(start);
  overflowed(Section::Question);
  return false;
}

bool MessageBuilder::add_record(Section section, WireName owner, std::uint16_t type,
                                std::uint16_t cls, std::uint32_t ttl,
                                std::span<const std::uint8_t> rdata) {
  if (section == Section::Question)
    throw std::logic_error("MessageBuilder: add_record() for the question section");
  check_section(section);
  if (write_record(owner, type, cls, ttl, rdata, section)) return true;
  overflowed(section);
  return false;
}

// RFC 6891 §6.1.2: owner root, type OPT, class = payload size, TTL = extended rcode, version,
// DO and the other flags; rdata = {code, length, data} per option.
bool MessageBuilder::set_edns(const Edns& edns) {
  if (finished_) throw std::logic_error("MessageBuilder: set_edns() after finish()");
  limit_ += opt_size_;
  opt_size_ = 0;
  std::size_t rdlength = 0;
  for (const auto& option : edns.options) rdlength += 4 + option.data.size();
  const std::size_t size = 11 + rdlength;
  if (rdlength > 0xFFFF || size > room()) return false;
  limit_ -= size;
  opt_size_ = size;
  std::uint8_t* p = buffer_.data() + limit_;
  p[0] = 0;  // the root
  put16(p + 1, rrtype::OPT);
  put16(p + 3, edns.udp_payload_size);
  p[5] = 0;  // the extended rcode, filled in by finish() from the header
  p[6] = edns.version;
  put16(p + 7, (edns.do_bit ? 0x8000u : 0u) | (edns.z & 0x7FFFu));
  put16(p + 9, rdlength);
  p += 11;
  for (const auto& option : edns.options) {
    put16(p, option.code);
    put16(p + 2, option.data.size());
    if (!option.data.empty()) std::memcpy(p + 4, option.data.data(), option.data.size());
    p += 4 + option.data.size();
  }
  return true;
}

std::span<const std::uint8_t> MessageBuilder::finish() {
  if (finished_) return buffer_.first(pos_);
  if (header_.rcode > 0xFFF || (header_.rcode > 0xF && opt_size_ == 0))
    throw std::logic_error("MessageBuilder: rcode " + std::to_string(header_.rcode) +
                           " cannot be sent" + (opt_size_ ? "" : " without EDNS"));
  if (opt_size_ > 0) {
    // The OPT record goes last: after any truncation it still follows the records kept.
    std::memmove(buffer_.data() + pos_, buffer_.data() + limit_, opt_size_);
    buffer_[pos_ + 5] = static_cast<std::uint8_t>(header_.rcode >> 4);
    pos_ += opt_size_;
    ++counts_[static_cast<int>(Section::Additional)];
  }
  std::uint8_t* h = buffer_.data();
  put16(h, header_.id);
  h[2] = static_cast<std::uint8_t>(
      (header_.qr ? 0x80 : 0) | (header_.opcode & 0x0F) << 3 | (header_.aa ? 0x04 : 0) |
      ((header_.tc || truncated_) ? 0x02 : 0) | (header_.rd ? 0x01 : 0));
  h[3] = static_cast<std::uint8_t>((header_.ra ? 0x80 : 0) | (header_.z ? 0x40 : 0) |
                                   (header_.ad ? 0x20 : 0) | (header_.cd ? 0x10 : 0) |
                                   (header_.rcode & 0x0F));
  for (int s = 0; s < 4; ++s) put16(h + 4 + 2 * s, counts_[s]);
  finished_ = true;
  return buffer_.first(pos_);
}

core::Result<std::vector<std::uint8_t>> build_message(const Message& message,
                                                      std::size_t max_size) {
  if (message.header.rcode > 0xF && !message.edns)
    return core::fail("rcode " + std::to_string(message.header.rcode) +
                      " needs EDNS (RFC 6891 §6.1.3)");
  if (message.header.rcode > 0xFFF)
    return core::fail("rcode " + std::to_string(message.header.rcode) + " is above 4095");
  std::vector<std::uint8_t> out(std::clamp(max_size, kHeaderSize, kMaxMessageSize));
  MessageBuilder builder(out, message.header);
  if (message.edns && !builder.set_edns(*message.edns))
    return core::fail("the OPT record does not fit in " + std::to_string(out.size()) + " octets");

  bool complete = true;
  for (const auto& q : message.question)
    if (!builder.add_question(q)) {
      complete = false;
      break;
    }
  for (Section section : {Section::Answer, Section::Authority, Section::Additional}) {
    const auto& records = message.records(section);
    for (std::size_t i = 0; complete && i < records.size();) {
      // One RRset: a run of records with the same owner, type and class.
      std::size_t end = i + 1;
      while (end < records.size() && records[end].type == records[i].type &&
             records[end].cls == records[i].cls && records[end].owner == records[i].owner)
        ++end;
      const auto start = builder.mark();
      for (; i < end; ++i)
        if (!builder.add_record(section, records[i])) {
          builder.rollback(start);
          complete = false;
          break;
        }
    }
  }
  if (!complete) builder.set_truncated();
  out.resize(builder.finish().size());
  return out;
}

}  // namespace mxkit::dns
