// Recipient states and the "finished" rule of a queued message.
#include "queue/message.hpp"

#include <algorithm>

namespace mxkit::queue {

std::string_view recipient_state_name(RecipientState state) {
  switch (state) {
    case RecipientState::Pending: return "pending";
    case RecipientState::Delivered: return "delivered";
    case RecipientState::Bounced: return "bounced";
    case RecipientState::Expired: return "expired";
  }
  return "unknown";
}

bool Message::finished() const {
  return std::none_of(recipients.begin(), recipients.end(),
                      [](const Recipient& r) { return r.state == RecipientState::Pending; });
}

bool Message::bounce_needed() const {
  if (sender.empty()) return false;  // RFC 3464 §2 / RFC 5321 §6.1: never a bounce to <>
  return std::any_of(recipients.begin(), recipients.end(), [](const Recipient& r) {
    return r.state == RecipientState::Bounced || r.state == RecipientState::Expired;
  });
}

bool Message::removable() const { return finished() && (bounce_sent || !bounce_needed()); }

}  // namespace mxkit::queue
