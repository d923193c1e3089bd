// Delivery status notifications: RFC 3464 (message/delivery-status), RFC 3462
// (multipart/report), RFC 3463 (status codes), RFC 3834 (Auto-Submitted). Every line ends in
// CRLF and stays within RFC 5322 §2.1.1's 998 octets whatever the remote reply held.
#include "queue/dsn.hpp"

#include <cctype>
#include <ctime>
#include <initializer_list>

#include <fmt/format.h>

namespace mxkit::queue {

namespace {

constexpr std::size_t kFoldAt = 78;      // RFC 5322 §2.1.1 "SHOULD"
constexpr std::size_t kHardLimit = 998;  // RFC 5322 §2.1.1 "MUST"
constexpr std::size_t kMaxDiagnostic = 2000;

// Text from the spool (addresses, remote replies) in a header field or a text line: control
// characters (CR, LF among them) become spaces so nothing can start a new line or field.
std::string clean(std::string_view text, std::size_t limit = kMaxDiagnostic) {
  std::string out;
  for (char c : text.substr(0, limit)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
  }
  return out;
}

// "Name: value" folded at spaces near 78 columns (RFC 5322 §2.2.3); a word too long to fit
// is split hard so no line passes 998 octets.
void add_field(std::string& out, std::string_view name, std::string_view value) {
  std::string line = fmt::format("{}: ", name);
  std::size_t line_len = line.size();
  out += line;
  bool first = true;
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t end = value.find(' ', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view word = value.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    while (!word.empty()) {
      std::size_t need = word.size() + (first ? 0 : 1);
      if (!first && line_len + need > kFoldAt) {
        out += "\r\n ";
        line_len = 1;
        first = true;
      }
      std::size_t room = kHardLimit - 2 - line_len - (first ? 0 : 1);
      std::string_view piece = word.substr(0, room);
      if (!first) {
        out += ' ';
        ++line_len;
      }
      out += piece;
      line_len += piece.size();
      first = false;
      word.remove_prefix(piece.size());
      if (!word.empty()) {
        out += "\r\n ";
        line_len = 1;
        first = true;
      }
    }
  }
  out += "\r\n";
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool valid_status(std::string_view s) {
  // RFC 3463 §2: class "." subject "." detail, each 1-3 digits, class 2, 4 or 5.
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  int dots = 0;
  std::size_t digits = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (s[i] >= '0' && s[i] <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 1 && digits > 0;
}

std::string status_of(const Recipient& r, DsnKind kind) {
  if (r.state == RecipientState::Expired) return "4.4.7";  // RFC 3463 §3.5: delivery time expired
  if (valid_status(r.status) && (kind == DsnKind::Delay ? r.status[0] == '4' : r.status[0] != '2'))
    return r.status;
  return kind == DsnKind::Delay ? "4.0.0" : "5.0.0";
}

// A reply from an SMTP server starts with its three-digit code; other texts are ours.
bool is_smtp_reply(std::string_view reply) {
  return reply.size() >= 3 && reply[0] >= '2' && reply[0] <= '5' && reply[1] >= '0' &&
         reply[1] <= '9' && reply[2] >= '0' && reply[2] <= '9';
}

std::string remote_host(std::string_view remote_mta) {
  if (remote_mta.empty() || remote_mta == "maildir") return {};
  return clean(remote_mta.substr(0, remote_mta.find('[')), 255);
}

// The original's header section, CRLF lines, cut at a line boundary near `limit` octets.
std::string original_headers(std::string_view original, std::size_t limit) {
  std::string out;
  std::size_t pos = 0;
  while (pos < original.size()) {
    std::size_t nl = original.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? original.size() : nl;
    std::string_view line = original.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the blank line ending the header section
    pos = nl == std::string_view::npos ? original.size() : nl + 1;
    std::string l = clean(line, kHardLimit - 2);
    if (out.size() + l.size() + 2 > limit) break;
    out += l;
    out += "\r\n";
  }
  return out;
}

}  // namespace

std::string rfc5322_date(Clock::time_point when) {
  std::time_t t = Clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday % 7], tm.tm_mday,
                     kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string build_dsn(const Message& message, std::string_view original, DsnKind kind,
                      const DsnOptions& options) {
  auto wanted = [kind](const Recipient& r) {
    if (kind == DsnKind::Delay) return r.state == RecipientState::Pending;
    return r.state == RecipientState::Bounced || r.state == RecipientState::Expired;
  };
  std::string host = clean(options.reporting_mta, 255);
  std::string sender = clean(message.sender, 998 - 10);
  bool failure = kind == DsnKind::Failure;

  // Part 1: the explanation for a human.
  std::string text = fmt::format("This is the mail system at host {}.\r\n\r\n", host);
  text += failure
              ? "Your message could not be delivered to one or more recipients. The details\r\n"
                "are below and in the attached report; the message's headers are attached.\r\n"
              : "Your message has not been delivered yet to one or more recipients. The mail\r\n"
                "system is still trying; you need not send it again. The details are below.\r\n";
  text += "\r\n";
  for (const auto& r : message.recipients) {
    if (!wanted(r)) continue;
    std::string line = fmt::format("<{}>: ", clean(r.address, 500));
    if (r.state == RecipientState::Expired) line += "delivery time expired; last: ";
    line += r.last_reply.empty() ? std::string(failure ? "delivery failed" : "not yet delivered")
                                 : clean(r.last_reply);
    // The explanation is plain text: long replies are wrapped like a field without a name.
    std::string wrapped;
    add_field(wrapped, "X", line);
    text += wrapped.substr(3);
  }

  // Part 2: RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields.
  std::string status = "";
  add_field(status, "Reporting-MTA", "dns; " + host);
  add_field(status, "X-Mxkit-Queue-ID", clean(message.id, 64));
  add_field(status, "Arrival-Date", rfc5322_date(message.arrival));
  for (const auto& r : message.recipients) {
    if (!wanted(r)) continue;
    status += "\r\n";
    add_field(status, "Final-Recipient", "rfc822; " + clean(r.address, 900));
    add_field(status, "Action", failure ? "failed" : "delayed");
    add_field(status, "Status", status_of(r, kind));
    if (auto remote = remote_host(r.remote_mta); !remote.empty())
      add_field(status, "Remote-MTA", "dns; " + remote);
    if (is_smtp_reply(r.last_reply))
      add_field(status, "Diagnostic-Code", "smtp; " + clean(r.last_reply));
    if (r.attempts > 0) add_field(status, "Last-Attempt-Date", rfc5322_date(options.now));
    if (!failure && options.lifetime.count() > 0)
      add_field(status, "Will-Retry-Until",
                rfc5322_date(message.arrival +
                             std::chrono::duration_cast<Clock::duration>(options.lifetime)));
  }

  std::string headers = original_headers(original, options.max_headers);

  // A boundary that occurs in none of the parts (RFC 2046 §5.1.1): the original's headers
  // are the sender's text and could hold any string, as could the sender's address.
  std::string boundary;
  for (unsigned n = 0;; ++n) {
    // Only letters and digits of the seed: RFC 2046 §5.1.1 allows few characters in a boundary.
    std::string seed = options.boundary_seed.substr(0, 40);
    for (char& c : seed)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    boundary = fmt::format("mxkit.{}.{}", seed, n);
    std::string marker = "--" + boundary;
    bool used = false;
    for (const std::string* part : std::initializer_list<const std::string*>{
             &text, &status, &headers, &sender, &host, &options.postmaster})
      used = used || part->find(marker) != std::string::npos;
    if (!used) break;
  }

  std::string out;
  std::string from =
      options.postmaster.empty() ? "MAILER-DAEMON@" + host : clean(options.postmaster, 255);
  add_field(out, "From", fmt::format("Mail Delivery System <{}>", from));
  add_field(out, "To", fmt::format("<{}>", sender));
  add_field(out, "Subject",
            failure ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)");
  add_field(out, "Date", rfc5322_date(options.now));
  add_field(out, "Message-ID",
            fmt::format("<{}.{}.{}@{}>", clean(message.id, 64), failure ? "bounce" : "delay",
                        Clock::to_time_t(options.now), host));
  add_field(out, "Auto-Submitted", "auto-replied");  // RFC 3834 §5
  add_field(out, "MIME-Version", "1.0");
  add_field(
      out, "Content-Type",
      fmt::format("multipart/report; report-type=delivery-status; boundary=\"{}\"", boundary));
  out += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

  out += fmt::format("--{}\r\n", boundary);
  out += "Content-Description: Notification\r\n";
  out += fmt::format("Content-Type: text/plain; charset={}\r\n",
                     is_ascii(text) ? "us-ascii" : "utf-8");
  if (!is_ascii(text)) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n" + text + "\r\n";

  out += fmt::format("--{}\r\n", boundary);
  out += "Content-Description: Delivery report\r\n";
  // RFC 6533's message/global-delivery-status would carry UTF-8 addresses natively; with
  // message/delivery-status they travel as 8bit text, as Postfix does.
  out += "Content-Type: message/delivery-status\r\n";
  if (!is_ascii(status)) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n" + status + "\r\n";

  out += fmt::format("--{}\r\n", boundary);
  out += "Content-Description: Undelivered Message Headers\r\n";
  out += "Content-Type: text/rfc822-headers\r\n";
  if (!is_ascii(headers)) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n" + headers + "\r\n";
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

}  // namespace mxkit::queue
