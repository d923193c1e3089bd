// Helpers for the resolver tests: records from zone-file text, and replies made of them.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dns/message.hpp"
#include "dns/name.hpp"
#include "dns/rrtype.hpp"
#include "dns/zone/parser.hpp"

namespace mxkit::resolver::testing {

inline dns::Name N(const std::string& text) { return *dns::Name::from_text(text); }

class RecordSink : public dns::zone::Sink {
 public:
  std::vector<dns::Record> records;
  void record(const dns::zone::RecordView& r) override {
    dns::Record out;
    out.owner = dns::Name::from_wire(r.owner);
    out.type = r.type;
    out.cls = r.rclass;
    out.ttl = r.ttl;
    out.rdata.assign(r.rdata.begin(), r.rdata.end());
    records.push_back(std::move(out));
  }
  void diagnostic(const dns::zone::Diagnostic& d) override {
    ADD_FAILURE() << dns::zone::format_diagnostic(d);
  }
};

// Zone-file lines (absolute names, TTL 300 unless given) → records.
inline std::vector<dns::Record> R(const std::string& text) {
  RecordSink sink;
  dns::zone::ParseOptions options;
  options.default_ttl = 300;
  dns::zone::parse_zone_text(text, "test", options, sink);
  return sink.records;
}

struct ReplySpec {
  std::string qname;
  std::uint16_t qtype = dns::rrtype::A;
  std::uint16_t rcode = dns::rcode::NOERROR;
  bool aa = true;
  std::string answer = {}, authority = {}, additional = {};
};

inline dns::Message reply(const ReplySpec& spec) {
  dns::Message m;
  m.header.qr = true;
  m.header.aa = spec.aa;
  m.header.rcode = spec.rcode;
  m.question.push_back({N(spec.qname), spec.qtype, 1});
  m.answer = R(spec.answer);
  m.authority = R(spec.authority);
  m.additional = R(spec.additional);
  return m;
}

}  // namespace mxkit::resolver::testing
