// The mail transaction of the server session: MAIL, RCPT, DATA and BDAT (RFC 5321 §4.1.1.2-4,
// §3.3; RFC 1870 SIZE; RFC 6152 8BITMIME; RFC 6531 SMTPUTF8; RFC 3030 CHUNKING).
#include <algorithm>
#include <charconv>

#include "smtp/command.hpp"
#include "smtp/server_session.hpp"

namespace mxkit::smtp {

namespace {

std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  return s;
}

// Up to 1 MiB of a declared SIZE is reserved at once: a client's SIZE= is only a hint and must
// not make idle connections hold large buffers.
constexpr std::size_t kMaxReserve = 1u << 20;

}  // namespace

void ServerSession::reserve_content() {
  content_.clear();
  content_.reserve(std::min({envelope_.declared_size, config_.max_message_size, kMaxReserve}) + 2);
}

void ServerSession::mail(std::string_view argument) {
  if (!helo_done_) return error_reply(503, "5.5.1", "Error: send HELO/EHLO first");
  if (mail_given_) return error_reply(503, "5.5.1", "Error: nested MAIL command");
  const auto rest = strip_prefix_ignore_case(skip_spaces(argument), "FROM:");
  if (!rest) return error_reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
  // Parsed with UTF-8 allowed, so that a UTF-8 address without SMTPUTF8 gets its own reply.
  auto parsed = parse_path_argument(*rest, {.allow_null = true, .allow_utf8 = true});
  if (!parsed)
    return error_reply(501, "5.1.7", "Bad sender address syntax: " + parsed.error().message);

  Envelope& env = envelope_;
  bool size_given = false, body_given = false, utf8_given = false;
  std::size_t size = 0;
  bool body_8bit = false;
  for (const auto& [keyword, value] : parsed->parameters) {
    if (keyword == "SIZE") {  // RFC 1870 §6
      const auto* end = value.data() + value.size();
      if (size_given || value.empty() || std::from_chars(value.data(), end, size).ptr != end) {
        return error_reply(501, "5.5.4", "Bad SIZE parameter");
      }
      size_given = true;
    } else if (keyword == "BODY") {  // RFC 6152 §3
      std::string upper = value;
      for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
      if (body_given || (upper != "7BIT" && upper != "8BITMIME")) {
        return error_reply(501, "5.5.4", "Bad BODY parameter (7BIT or 8BITMIME)");
      }
      body_given = true;
      body_8bit = upper == "8BITMIME";
    } else if (keyword == "SMTPUTF8") {  // RFC 6531 §3.4
      if (utf8_given || !value.empty()) return error_reply(501, "5.5.4", "Bad SMTPUTF8 parameter");
      utf8_given = true;
    } else {
      return error_reply(555, "5.5.4", "Unsupported parameter " + keyword);  // RFC 5321 §4.1.1.11
    }
  }
  if (parsed->path.mailbox.is_utf8() && !utf8_given) {
    // RFC 6531 §3.5 (and its errata): 553 5.6.7 for a non-ASCII address without SMTPUTF8.
    return error_reply(553, "5.6.7", "Non-ASCII sender address needs SMTPUTF8");
  }
  if (size_given && size > config_.max_message_size) {
    reply(552, "5.3.4", "Message size exceeds fixed maximum message size");  // RFC 1870 §6.2
    return;
  }
  env.sender = std::move(parsed->path);
  env.declared_size = size;
  env.body_8bit = body_8bit;
  env.smtputf8 = utf8_given;
  decision(Event::Kind::Sender, Pending::Sender);
}

void ServerSession::rcpt(std::string_view argument) {
  if (!mail_given_) return error_reply(503, "5.5.1", "Error: need MAIL command");
  const auto rest = strip_prefix_ignore_case(skip_spaces(argument), "TO:");
  if (!rest) return error_reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
  auto parsed = parse_path_argument(*rest, {.allow_postmaster = true, .allow_utf8 = true});
  if (!parsed) {
    return error_reply(501, "5.1.3", "Bad recipient address syntax: " + parsed.error().message);
  }
  if (!parsed->parameters.empty()) {
    // No RCPT parameters are announced (no DSN extension).
    return error_reply(555, "5.5.4", "Unsupported parameter " + parsed->parameters[0].first);
  }
  if (parsed->path.mailbox.is_utf8() && !envelope_.smtputf8) {
    return error_reply(553, "5.6.7", "Non-ASCII recipient address needs SMTPUTF8");
  }
  if (envelope_.recipients.size() >= config_.max_recipients) {
    reply(452, "4.5.3", "Error: too many recipients");  // RFC 5321 §4.5.3.1.10
    return;
  }
  candidate_ = std::move(parsed->path);
  decision(Event::Kind::Recipient, Pending::Recipient);
}

void ServerSession::data(bool has_argument) {
  if (has_argument) return error_reply(501, "5.5.4", "Syntax: DATA");
  if (!mail_given_) return error_reply(503, "5.5.1", "Error: need MAIL command");
  if (bdat_used_) return error_reply(503, "5.5.1", "Error: DATA after BDAT");  // RFC 3030 §2
  // RFC 5321 §3.3: DATA with no accepted recipient gets 554 (or 503).
  if (envelope_.recipients.empty()) return error_reply(554, "5.5.1", "Error: no valid recipients");
  out_ += "354 End data with <CR><LF>.<CR><LF>\r\n";  // no enhanced code, as Postfix
  reserve_content();
  decoder_.start(DataDecoder::Mode::Dot, &content_, config_.max_message_size,
                 config_.max_line_length,
                 config_.bare_line_ending == ServerConfig::BareLineEnding::Normalize);
  phase_ = Phase::Data;
}

bool ServerSession::data_step() {
  if (in_.empty()) return false;
  in_.remove_prefix(decoder_.feed(in_.data(), in_.size()));
  if (!decoder_.done()) return false;
  phase_ = Phase::Command;
  finish_message();
  return true;
}

// The end of DATA or of BDAT LAST: refuse what breaks a limit, else ask for the Message verdict.
void ServerSession::finish_message() {
  if (decoder_.too_big()) {
    reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
  } else if (decoder_.bare_line_ending() &&
             config_.bare_line_ending == ServerConfig::BareLineEnding::Reject) {
    reply(550, "5.6.0", "Message contains bare CR or LF line endings (RFC 5321 §2.3.8)");
  } else if (decoder_.line_too_long()) {
    reply(500, "5.5.2", "Message contains a line too long (RFC 5321 §4.5.3.1.6)");
  } else {
    decision(Event::Kind::Message, Pending::Message);
    return;
  }
  reset_transaction();
}

// BDAT size [LAST] (RFC 3030 §2). The chunk is always read, refused or not, so that its octets
// are never taken for commands.
void ServerSession::bdat(std::string_view argument) {
  const auto parsed = parse_bdat_argument(argument);
  if (!parsed) return error_reply(501, "5.5.4", "Syntax: BDAT size [LAST]");
  bdat_remaining_ = parsed->size;
  bdat_size_ = parsed->size;
  bdat_last_ = parsed->last;
  bdat_refused_ = true;
  if (!config_.chunking) {
    bdat_refusal_ = make_reply(502, "5.5.1", "Error: BDAT not enabled");
  } else if (!mail_given_) {
    bdat_refusal_ = make_reply(503, "5.5.1", "Error: need MAIL command");
  } else if (envelope_.recipients.empty()) {
    bdat_refusal_ = make_reply(554, "5.5.1", "Error: no valid recipients");
  } else {
    bdat_refused_ = false;
    if (!bdat_used_) {
      bdat_used_ = true;
      reserve_content();
      decoder_.start(DataDecoder::Mode::Chunks, &content_, config_.max_message_size,
                     config_.max_line_length,
                     config_.bare_line_ending == ServerConfig::BareLineEnding::Normalize);
    }
  }
  phase_ = Phase::Bdat;
}

bool ServerSession::bdat_step() {
  if (bdat_remaining_ > 0) {
    if (in_.empty()) return false;
    const auto take =
        static_cast<std::size_t>(std::min<std::uint64_t>(in_.size(), bdat_remaining_));
    if (!bdat_refused_) decoder_.feed(in_.data(), take);
    in_.remove_prefix(take);
    bdat_remaining_ -= take;
    if (bdat_remaining_ > 0) return false;
  }
  phase_ = Phase::Command;
  if (bdat_refused_) {
    bdat_refused_ = false;
    error_reply(bdat_refusal_.code, bdat_refusal_.enhanced, bdat_refusal_.lines.front());
    return true;
  }
  if (!bdat_last_) {
    if (decoder_.too_big()) {
      // The transaction is over; the client's next chunks get 503 (RFC 3030 §2 lets it RSET).
      reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
      reset_transaction();
    } else {
      reply(250, "2.0.0", std::to_string(bdat_size_) + " octets received");
    }
    return true;
  }
  decoder_.finish();
  finish_message();
  return true;
}

}  // namespace mxkit::smtp
