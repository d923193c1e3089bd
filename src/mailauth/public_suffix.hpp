// The Public Suffix List (publicsuffix.org; Debian's publicsuffix package) and the
// organizational domain of RFC 7489 §3.2 that DMARC alignment and report authorisation use.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "core/result.hpp"

namespace mxkit::mailauth {

inline constexpr const char* kDefaultPublicSuffixList =
    "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  static core::Result<PublicSuffixList> load(const std::string& path = kDefaultPublicSuffixList);
  // The list's text format: one rule a line, "//" comments, "*." wildcards, "!" exceptions.
  static PublicSuffixList from_text(std::string_view text);

  // The public suffix of a domain (lower-cased, no trailing dot): the longest matching rule,
  // an exception rule winning, "*" when none matches (the list's algorithm).
  std::string public_suffix(std::string_view domain) const;
  // RFC 7489 §3.2: the public suffix plus one label; the domain itself when it is a suffix.
  std::string organizational_domain(std::string_view domain) const;
  std::size_t size() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

 private:
  std::unordered_set<std::string> rules_;       // "co.uk"
  std::unordered_set<std::string> wildcards_;   // "*.ck" stored as "ck"
  std::unordered_set<std::string> exceptions_;  // "!www.ck" stored as "www.ck"
};

}  // namespace mxkit::mailauth
