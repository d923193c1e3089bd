// Blacklist, PTR, MTA-STS/TLS-RPT and TLSA findings (see record_checks.hpp).
#include "checks/record_checks.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "resolver/address.hpp"
#include "routing/address.hpp"

namespace mxkit::checks {

std::string reversed_address(const std::string& address) {
  std::error_code ec;
  const auto a = asio::ip::make_address(address, ec);
  return ec ? std::string() : resolver::reversed_labels(a);
}

std::string txt_rdata_text(const std::vector<std::uint8_t>& rdata) {
  std::string out;
  std::size_t i = 0;
  while (i < rdata.size()) {
    const std::size_t n = rdata[i++];
    const std::size_t take = std::min(n, rdata.size() - i);
    out.append(reinterpret_cast<const char*>(rdata.data() + i), take);
    i += take;
  }
  return out;
}

std::vector<Finding> check_dnsbl(const std::vector<DnsblFacts>& facts) {
  std::vector<Finding> out;
  for (const auto& f : facts) {
    // RFC 5782 §2.3: an answer in 127.0.0.0/8 means listed (other answers are the list's errors).
    std::vector<std::string> listed;
    for (const auto& code : f.codes)
      if (code.rfind("127.", 0) == 0 && code.rfind("127.255.255.", 0) != 0) listed.push_back(code);
    if (listed.empty()) continue;
    out.push_back(make_finding("dnsbl-listed", fmt::format("{} {}", f.address, f.zone),
                               fmt::format("{} is listed in {} ({}){}", f.address, f.zone,
                                           fmt::format("{}", listed.front()),
                                           f.reason.empty() ? "" : ": \"" + f.reason + "\"")));
  }
  return out;
}

std::vector<Finding> check_ptr(const std::vector<PtrFacts>& facts) {
  std::vector<Finding> out;
  for (const auto& f : facts) {
    const std::string subject = fmt::format("{} {}", f.exchange, f.address);
    if (f.names.empty()) {
      out.push_back(
          make_finding("ptr-missing", subject,
                       fmt::format("{} has no PTR record ({} {})", f.address, f.query, f.status)));
    } else if (!f.confirmed) {
      out.push_back(make_finding("ptr-mismatch", subject,
                                 fmt::format("{} points to {}, which does not resolve back to it",
                                             f.address, f.names.front())));
    }
  }
  return out;
}

namespace {

// RFC 8461 §3.1: "v=STSv1; id=..." with id 1*32(ALPHA / DIGIT).
std::string mta_sts_problem(const std::string& text) {
  std::string id;
  bool have_id = false;
  std::size_t pos = 0;
  bool first = true;
  while (pos <= text.size()) {
    auto end = text.find(';', pos);
    if (end == std::string::npos) end = text.size();
    std::string field = text.substr(pos, end - pos);
    const auto b = field.find_first_not_of(" \t");
    const auto e = field.find_last_not_of(" \t");
    field = b == std::string::npos ? "" : field.substr(b, e - b + 1);
    pos = end + 1;
    if (field.empty()) {
      if (first) return "the record is empty";
      continue;
    }
    const auto eq = field.find('=');
    if (eq == std::string::npos) return fmt::format("\"{}\" is not a key=value field", field);
    const std::string key = field.substr(0, eq), value = field.substr(eq + 1);
    if (first && (key != "v" || value != "STSv1")) return "the record does not start with v=STSv1";
    first = false;
    if (key == "id") {
      have_id = true;
      id = value;
    }
  }
  if (!have_id) return "no id= field";
  if (id.empty() || id.size() > 32 || !std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c));
      }))
    return fmt::format("id=\"{}\" is not 1 to 32 letters and digits", id);
  return {};
}

}  // namespace

std::vector<Finding> check_tls_records(const std::string& domain, const TxtLookup& mta_sts,
                                       const TxtLookup& tlsrpt) {
  std::vector<Finding> out;
  std::vector<std::string> sts;
  for (const auto& t : mta_sts.texts)
    if (t.rfind("v=STSv1", 0) == 0) sts.push_back(t);
  if (sts.size() > 1)
    out.push_back(
        make_finding("mta-sts-invalid", mta_sts.name,
                     fmt::format("{} MTA-STS records; RFC 8461 §3.1 allows one", sts.size())));
  else if (sts.size() == 1)
    if (auto problem = mta_sts_problem(sts.front()); !problem.empty())
      out.push_back(make_finding("mta-sts-invalid", mta_sts.name,
                                 fmt::format("\"{}\": {}", sts.front(), problem)));
  const bool has_tlsrpt =
      std::any_of(tlsrpt.texts.begin(), tlsrpt.texts.end(),
                  [](const std::string& t) { return t.rfind("v=TLSRPTv1", 0) == 0; });
  if (!has_tlsrpt)
    out.push_back(
        make_finding("tlsrpt-missing", domain,
                     fmt::format("no TLS-RPT record at {} ({})", tlsrpt.name, tlsrpt.status)));
  return out;
}

std::vector<Finding> check_tlsa(const TlsaFacts& tlsa,
                                const std::vector<const SmtpFacts*>& servers) {
  std::vector<Finding> out;
  if (tlsa.records.empty()) return out;
  for (const auto* s : servers) {
    const std::string subject = fmt::format("{} {}", s->exchange, s->address);
    if (!s->connected) continue;  // smtp-unreachable says it
    if (!s->certificate) {
      out.push_back(
          make_finding("tlsa-mismatch", subject,
                       fmt::format("{} has TLSA records but the server showed no certificate "
                                   "(no STARTTLS or a failed handshake)",
                                   tlsa.query)));
      continue;
    }
    bool matched = false, checkable = false;
    for (const auto& r : tlsa.records) {
      if ((r.usage != 3 && r.usage != 1) || r.matching != 1) continue;  // SHA-256 of EE only
      checkable = true;
      const auto& digest = r.selector == 0 ? s->certificate->sha256 : s->certificate->spki_sha256;
      matched = matched || core::ascii_lower(r.data) == digest;
    }
    if (checkable && !matched)
      out.push_back(make_finding(
          "tlsa-mismatch", subject,
          fmt::format("no TLSA record at {} matches the certificate (SHA-256 {}, "
                      "SPKI SHA-256 {})",
                      tlsa.query, s->certificate->sha256, s->certificate->spki_sha256)));
  }
  return out;
}

}  // namespace mxkit::checks
