// The acceptance policy (see policy.hpp).
#include "mta/policy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace mxkit::mta {

std::vector<net::AddressPrefix> loopback_prefixes() {
  return {*net::AddressPrefix::parse("127.0.0.0/8"), *net::AddressPrefix::parse("::1")};
}

namespace {

std::string key_of(const smtp::Mailbox& mailbox) {
  return core::ascii_lower(mailbox.local) + "@" + core::ascii_lower(mailbox.domain);
}

// A local part we can turn into a Maildir folder (delivery/maildir.cpp refuses the same).
bool folder_safe(std::string_view local) {
  if (local.empty() || local.front() == '.') return false;
  return std::none_of(local.begin(), local.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '/' || u < 0x20 || u == 0x7f;
  });
}

}  // namespace

core::Result<AcceptancePolicy> AcceptancePolicy::make(const PolicyConfig& config) {
  AcceptancePolicy p;
  for (const auto& text : config.local_domains) {
    std::string domain = core::ascii_lower(text);
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    auto probe = smtp::parse_mailbox("postmaster@" + domain);
    if (domain.empty() || !probe)
      return core::fail(fmt::format("local domain \"{}\" is not a domain name", text));
    if (p.domains_.insert(domain).second) p.local_domains_.push_back(domain);
  }
  auto local_mailbox = [&p](std::string_view what,
                            std::string_view text) -> core::Result<smtp::Mailbox> {
    auto mailbox = smtp::parse_mailbox(text);
    if (!mailbox)
      return core::fail(fmt::format("{} \"{}\": {}", what, text, mailbox.error().message));
    if (!p.domains_.contains(core::ascii_lower(mailbox->domain)))
      return core::fail(fmt::format("{} \"{}\": {} is not a local domain (--local-domain)", what,
                                    text, mailbox->domain));
    if (!folder_safe(mailbox->local))
      return core::fail(
          fmt::format("{} \"{}\": the local part cannot be a Maildir folder name", what, text));
    return mailbox;
  };
  for (const auto& text : config.mailboxes) {
    if (text.starts_with("*@")) {
      const std::string domain = core::ascii_lower(text.substr(2));
      if (!p.domains_.contains(domain))
        return core::fail(
            fmt::format("mailbox \"{}\": {} is not a local domain (--local-domain)", text, domain));
      p.catch_all_.insert(domain);
      continue;
    }
    auto mailbox = local_mailbox("mailbox", text);
    if (!mailbox) return tl::unexpected(mailbox.error());
    p.mailboxes_.insert(key_of(*mailbox));
  }
  for (const auto& text : config.aliases) {
    const auto eq = text.find('=');
    if (eq == std::string::npos)
      return core::fail(fmt::format("alias \"{}\": expected ADDRESS=ADDRESS[,ADDRESS]", text));
    auto source = local_mailbox("alias", text.substr(0, eq));
    if (!source) return tl::unexpected(source.error());
    std::vector<std::string> targets;
    std::string_view rest = std::string_view(text).substr(eq + 1);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = rest.substr(0, comma);
      auto target = smtp::parse_mailbox(item);
      if (!target)
        return core::fail(
            fmt::format("alias \"{}\": target \"{}\": {}", text, item, target.error().message));
      targets.push_back(target->local + "@" + core::ascii_lower(target->domain));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    if (targets.empty()) return core::fail(fmt::format("alias \"{}\": no target address", text));
    auto& list = p.aliases_[key_of(*source)];
    list.insert(list.end(), targets.begin(), targets.end());
  }
  p.relay_from_ = config.relay_from;
  return p;
}

bool AcceptancePolicy::is_local_domain(std::string_view domain) const {
  return domains_.contains(core::ascii_lower(domain));
}

bool AcceptancePolicy::may_relay(const asio::ip::address& client) const {
  return std::any_of(relay_from_.begin(), relay_from_.end(),
                     [&](const net::AddressPrefix& prefix) { return prefix.contains(client); });
}

smtp::Verdict AcceptancePolicy::check_recipient(const smtp::Path& recipient,
                                                const asio::ip::address& client) const {
  const smtp::Mailbox& box = recipient.mailbox;
  if (box.domain.empty())
    return smtp::Verdict::accept("2.1.5", "<Postmaster>: Ok");  // RFC 5321 §4.5.1
  const std::string address = box.text();
  const std::string domain = core::ascii_lower(box.domain);
  if (domains_.contains(domain)) {
    const std::string key = key_of(box);
    if (core::ascii_lower(box.local) == "postmaster" || aliases_.contains(key) ||
        mailboxes_.contains(key) || catch_all_.contains(domain)) {
      if (!aliases_.contains(key) && !folder_safe(box.local))
        return smtp::Verdict::refuse(
            553, "5.1.3",
            fmt::format("<{}>: Recipient address rejected: bad mailbox name", address));
      return smtp::Verdict::accept("2.1.5", fmt::format("<{}>: Ok", address));
    }
    // Postfix's wording, which operators grep for.
    return smtp::Verdict::refuse(
        550, "5.1.1",
        fmt::format("<{}>: Recipient address rejected: User unknown in local recipient table",
                    address));
  }
  if (may_relay(client)) return smtp::Verdict::accept("2.1.5", fmt::format("<{}>: Ok", address));
  return smtp::Verdict::refuse(554, "5.7.1", fmt::format("<{}>: Relay access denied", address));
}

std::vector<std::string> AcceptancePolicy::expand(const smtp::Path& recipient) const {
  std::vector<std::string> out;
  std::string start =
      recipient.mailbox.domain.empty()
          ? "postmaster@" +
                (local_domains_.empty() ? std::string("localhost") : local_domains_.front())
          : recipient.mailbox.local + "@" + core::ascii_lower(recipient.mailbox.domain);
  // Depth-first over the alias graph; each address once, at most 8 levels (a loop ends there).
  struct Item {
    std::string address;
    int depth;
  };
  std::vector<Item> stack{{start, 0}};
  std::set<std::string> seen;
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    const std::string key = core::ascii_lower(item.address);
    if (!seen.insert(key).second) continue;
    auto alias = aliases_.find(key);
    if (alias == aliases_.end() || item.depth >= 8) {
      out.push_back(item.address);
      continue;
    }
    for (auto it = alias->second.rbegin(); it != alias->second.rend(); ++it)
      stack.push_back({*it, item.depth + 1});
  }
  return out;
}

std::string AcceptancePolicy::sender_domain_to_check(const smtp::Path& sender) const {
  if (sender.null || sender.mailbox.domain.empty() || sender.mailbox.domain.front() == '[')
    return {};
  std::string domain = core::ascii_lower(sender.mailbox.domain);
  if (domains_.contains(domain)) return {};
  return domain;
}

smtp::Verdict AcceptancePolicy::check_sender(const smtp::Path& sender,
                                             SenderDomainStatus status) const {
  if (status == SenderDomainStatus::NullMx)
    return smtp::Verdict::refuse(
        550, "5.7.27",
        fmt::format("<{}>: Sender address rejected: domain {} publishes a "
                    "null MX and accepts no mail (RFC 7505)",
                    sender.text(), core::ascii_lower(sender.mailbox.domain)));
  return smtp::Verdict::accept("2.1.0", fmt::format("<{}>: Ok", sender.text()));
}

}  // namespace mxkit::mta
