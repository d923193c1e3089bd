// A DnsLookup that answers from a table of records, for the SPF evaluator's tests: the table is
// the DNS data under test, the evaluator is the real one. CNAMEs are followed as a resolver
// would (a loop is a temporary failure); a name marked timing out fails for every type it has
// no records of (the openspf suite's "TIMEOUT").
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>

#include "dns/rrtype.hpp"
#include "mailauth/dns_lookup.hpp"

namespace mxkit::test {

class DnsTable final : public mailauth::DnsLookup {
 public:
  // Names are dotted text taken literally (mailauth::name_from_dotted), any case.
  void add(std::string_view name, std::uint16_t type, std::vector<std::uint8_t> rdata) {
    auto& entry = names_[key(name)];
    entry.push_back(dns::Record{owner(name), type, 1, 300, std::move(rdata)});
  }
  void add_txt(std::string_view name, const std::vector<std::string>& strings) {
    std::vector<std::uint8_t> rdata;
    for (const auto& s : strings) {
      std::size_t at = 0;
      do {  // a string over 255 octets goes out as several, as a zone file would split it
        const std::size_t n = std::min<std::size_t>(255, s.size() - at);
        rdata.push_back(static_cast<std::uint8_t>(n));
        rdata.insert(rdata.end(), s.begin() + static_cast<std::ptrdiff_t>(at),
                     s.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
      } while (at < s.size());
    }
    add(name, dns::rrtype::TXT, std::move(rdata));
  }
  void add_txt(std::string_view name, const std::string& text) {
    add_txt(name, std::vector<std::string>{text});
  }
  void add_address(std::string_view name, const std::string& ip) {
    std::uint8_t buffer[16];
    if (inet_pton(AF_INET, ip.c_str(), buffer) == 1) {
      add(name, dns::rrtype::A, {buffer, buffer + 4});
    } else if (inet_pton(AF_INET6, ip.c_str(), buffer) == 1) {
      add(name, dns::rrtype::AAAA, {buffer, buffer + 16});
    }
  }
  void add_mx(std::string_view name, std::uint16_t preference, std::string_view host) {
    std::vector<std::uint8_t> rdata{static_cast<std::uint8_t>(preference >> 8),
                                    static_cast<std::uint8_t>(preference & 0xff)};
    append_wire(host, rdata);
    add(name, dns::rrtype::MX, std::move(rdata));
  }
  void add_name_record(std::string_view name, std::uint16_t type, std::string_view target) {
    std::vector<std::uint8_t> rdata;
    append_wire(target, rdata);
    add(name, type, std::move(rdata));
  }
  void add_name(std::string_view name) { names_[key(name)]; }  // exists, no records yet
  void add_timeout(std::string_view name) {
    names_[key(name)];
    timeouts_.insert(key(name));
  }
  std::size_t lookups() const { return lookups_; }

  asio::awaitable<mailauth::DnsAnswer> lookup(dns::Name name, std::uint16_t type) override {
    ++lookups_;
    co_return answer(name, type);
  }

  mailauth::DnsAnswer answer(const dns::Name& asked, std::uint16_t type) const {
    mailauth::DnsAnswer out;
    dns::Name name = asked;
    for (int hops = 0; hops < 9; ++hops) {
      const auto k = key(name);
      auto it = names_.find(k);
      if (it == names_.end()) {
        out.status = mailauth::DnsStatus::NxDomain;
        return out;
      }
      const dns::Record* cname = nullptr;
      for (const auto& r : it->second) {
        if (r.type == type) out.records.push_back(r);
        if (r.type == dns::rrtype::CNAME) cname = &r;
      }
      if (!out.records.empty()) {
        out.status = mailauth::DnsStatus::Answer;
        return out;
      }
      if (cname && type != dns::rrtype::CNAME) {
        name = dns::Name::from_wire(dns::WireName(cname->rdata.data(), cname->rdata.size()));
        continue;
      }
      out.status = timeouts_.count(k) ? mailauth::DnsStatus::TempFail : mailauth::DnsStatus::NoData;
      if (timeouts_.count(k)) out.detail = "timed out";
      return out;
    }
    out.status = mailauth::DnsStatus::TempFail;
    out.detail = "CNAME chain too long or a loop";
    return out;
  }

 private:
  static dns::Name owner(std::string_view name) { return *mailauth::name_from_dotted(name); }
  static void append_wire(std::string_view name, std::vector<std::uint8_t>& out) {
    auto n = mailauth::name_from_dotted(name);
    auto wire = n ? n->wire() : dns::WireName();
    out.insert(out.end(), wire.begin(), wire.end());
    if (!n) out.push_back(0);
  }
  // Labels lower-cased and joined by '.', straight from the wire so no escaping is involved.
  static std::string key(const dns::Name& name) {
    std::string out;
    auto wire = name.wire();
    for (std::size_t i = 0; i < wire.size() && wire[i] != 0; i += 1 + wire[i]) {
      if (!out.empty()) out.push_back('.');
      for (std::size_t j = 1; j <= wire[i]; ++j) {
        char c = static_cast<char>(wire[i + j]);
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c);
      }
    }
    return out;
  }
  static std::string key(std::string_view name) {
    auto n = mailauth::name_from_dotted(name);
    return n ? key(*n) : std::string(name);
  }

  std::map<std::string, std::vector<dns::Record>> names_;
  std::set<std::string> timeouts_;
  std::size_t lookups_ = 0;
};

}  // namespace mxkit::test
