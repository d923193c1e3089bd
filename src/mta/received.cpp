// The Received: header (see received.hpp).
#include "mta/received.hpp"

#include <fmt/format.h>

#include "queue/dsn.hpp"

namespace mxkit::mta {

namespace {

std::string sanitised(std::string_view text, std::size_t limit) {
  std::string out;
  for (unsigned char c : text.substr(0, limit)) {
    if (c < 0x20 || c == 0x7f || c == '(' || c == ')')
      out += '?';
    else
      out += static_cast<char>(c);
  }
  return out.empty() ? std::string("unknown") : out;
}

}  // namespace

std::string with_protocol(const ReceivedInfo& info) {
  std::string name = info.smtputf8 ? "UTF8SMTP" : info.esmtp ? "ESMTP" : "SMTP";
  if (!info.tls_version.empty() && (info.esmtp || info.smtputf8)) name += 'S';
  return name;
}

std::string received_header(const ReceivedInfo& info) {
  const bool v6 = info.client_address.find(':') != std::string::npos;
  std::string out = fmt::format("Received: from {} ([{}{}])\r\n\tby {} (mxkit) with {}",
                                sanitised(info.helo, 255), v6 ? "IPv6:" : "", info.client_address,
                                info.hostname, with_protocol(info));
  if (!info.tls_version.empty())
    out += fmt::format("\r\n\t(using {} with cipher {})", info.tls_version,
                       sanitised(info.tls_cipher, 100));
  if (!info.recipient.empty()) out += fmt::format("\r\n\tfor <{}>", sanitised(info.recipient, 512));
  out += "; ";
  out += queue::rfc5322_date(info.time);
  out += "\r\n";
  return out;
}

}  // namespace mxkit::mta
