// The Public Suffix List's matching algorithm (publicsuffix.org/list, "Algorithm").
#include "mailauth/public_suffix.hpp"

#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace mxkit::mailauth {
namespace {

std::vector<std::string> labels_of(std::string_view domain) {
  std::string lower = core::ascii_lower(domain);
  while (!lower.empty() && lower.back() == '.') lower.pop_back();
  std::vector<std::string> labels;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= lower.size(); ++i) {
    if (i == lower.size() || lower[i] == '.') {
      labels.push_back(lower.substr(start, i - start));
      start = i + 1;
    }
  }
  if (lower.empty()) labels.clear();
  return labels;
}

std::string join_from(const std::vector<std::string>& labels, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < labels.size(); ++i) {
    if (i > first) out.push_back('.');
    out += labels[i];
  }
  return out;
}

// How many labels of `labels` form the public suffix.
std::size_t suffix_labels(const std::vector<std::string>& labels,
                          const std::unordered_set<std::string>& rules,
                          const std::unordered_set<std::string>& wildcards,
                          const std::unordered_set<std::string>& exceptions) {
  const std::size_t n = labels.size();
  for (std::size_t i = 0; i < n; ++i) {  // from the longest candidate down
    const std::string suffix = join_from(labels, i);
    if (exceptions.count(suffix)) return n - i - 1;
    if (rules.count(suffix)) return n - i;
    if (i + 1 < n && wildcards.count(join_from(labels, i + 1))) return n - i;
  }
  return n == 0 ? 0 : 1;  // the implicit "*" rule
}

}  // namespace

core::Result<PublicSuffixList> PublicSuffixList::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(fmt::format("{}: cannot read the public suffix list", path));
  std::stringstream text;
  text << in.rdbuf();
  return from_text(text.str());
}

PublicSuffixList PublicSuffixList::from_text(std::string_view text) {
  PublicSuffixList list;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const auto token_end = line.find_first_of(" \t\r");
    line = line.substr(0, token_end);
    if (line.empty() || line.starts_with("//")) continue;
    std::string rule = core::ascii_lower(line);
    if (rule.starts_with("!")) {
      list.exceptions_.insert(rule.substr(1));
    } else if (rule.starts_with("*.")) {
      list.wildcards_.insert(rule.substr(2));
    } else {
      list.rules_.insert(std::move(rule));
    }
  }
  return list;
}

std::string PublicSuffixList::public_suffix(std::string_view domain) const {
  const auto labels = labels_of(domain);
  const std::size_t n = suffix_labels(labels, rules_, wildcards_, exceptions_);
  return join_from(labels, labels.size() - n);
}

std::string PublicSuffixList::organizational_domain(std::string_view domain) const {
  const auto labels = labels_of(domain);
  const std::size_t n = suffix_labels(labels, rules_, wildcards_, exceptions_);
  if (n >= labels.size()) return join_from(labels, 0);
  return join_from(labels, labels.size() - n - 1);
}

}  // namespace mxkit::mailauth
