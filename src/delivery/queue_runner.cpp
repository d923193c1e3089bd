// The queue runner (see queue_runner.hpp).
#include "delivery/queue_runner.hpp"

#include <algorithm>
#include <future>
#include <utility>

#include <asio/post.hpp>
#include <fmt/format.h>

#include "core/thread_name.hpp"
#include "queue/dsn.hpp"
#include "smtp/address.hpp"

namespace mxkit::delivery {

namespace {

const char* status_word(DeliveryResult::Status status) {
  switch (status) {
    case DeliveryResult::Status::Delivered:
      return "sent";  // Postfix's word, relays and mailboxes alike
    case DeliveryResult::Status::Deferred: return "deferred";
    case DeliveryResult::Status::Bounced: return "bounced";
  }
  return "?";
}

// One attempt for one recipient in Postfix's grep-able form, with the delay since arrival and
// the RFC 3463 code.
std::string attempt_line(const queue::QueueId& id, const std::string& address,
                         const DeliveryResult& result, queue::Clock::time_point arrival) {
  return fmt::format("{}: to=<{}>, relay={}, delay={:.2f}, dsn={}, status={} ({})", id, address,
                     result.remote_mta.empty() ? "none" : result.remote_mta,
                     std::chrono::duration<double>(queue::Clock::now() - arrival).count(),
                     result.enhanced, status_word(result.status), result.reply);
}

// The log lines of one courier report on all of a message's recipients, and whether every copy
// was delivered (deliveries at reception and of the arrival log's mail).
std::pair<bool, std::vector<std::string>> every_recipient(const queue::Message& message,
                                                          const std::vector<DeliveryResult>& results) {
  bool all = results.size() == message.recipients.size();
  std::vector<std::string> lines;
  for (std::size_t k = 0; k < results.size() && k < message.recipients.size(); ++k) {
    all = all && results[k].status == DeliveryResult::Status::Delivered;
    lines.push_back(attempt_line(message.id, message.recipients[k].address, results[k], message.arrival));
  }
  return {all, std::move(lines)};
}

}  // namespace

QueueRunner::QueueRunner(queue::Spool& spool, QueueRunnerOptions options,
                         std::unique_ptr<Courier> local)
    : spool_(spool), options_(std::move(options)), local_(std::move(local)), rng_(options_.seed) {}

QueueRunner::~QueueRunner() { stop(); }

void QueueRunner::set_remote_courier(std::unique_ptr<Courier> remote) {
  remote_ = std::move(remote);
}

void QueueRunner::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

template <class F>
auto QueueRunner::on_runner(F f) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(io_, [&task] { task(); });
  return result.get();
}

void QueueRunner::set_arrival_log(queue::ArrivalLog* log, std::unique_ptr<Courier> courier) {
  arrival_log_ = log;
  logged_ = std::move(courier);
}

void QueueRunner::deliver_logged(queue::Message message, std::shared_ptr<const std::string> content,
                                 bool recovered) {
  DeliveryJob job;
  for (std::size_t i = 0; i < message.recipients.size(); ++i) job.recipients.push_back(i);
  job.message = message;
  job.content = content;
  job.recovered = recovered;
  Courier& courier = logged_ ? *logged_ : *local_;
  courier.deliver(std::move(job), [this, message = std::move(message), content = std::move(
                                                                            content)](
                                      std::vector<DeliveryResult> results) mutable {
    auto [all, lines] = every_recipient(message, results);
    for (const auto& line : lines) log(line);
    if (all) {
      arrival_log_->mark_done(message.id);
      return;
    }
    queue::NewMessage in;
    in.sender = message.sender;
    for (const auto& recipient : message.recipients) in.recipients.push_back(recipient.address);
    in.content = *content;
    in.client_address = message.client_address;
    in.helo = message.helo;
    in.body_8bit = message.body_8bit;
    in.smtputf8 = message.smtputf8;
    in.id = message.id;
    in.arrival = message.arrival;
    // Blocking, on the courier's thread: a rare path, and the runner (which stop() drains the
    // courier for) is still there when the spool answers.
    auto stored = spool_.store_sync(std::move(in));
    if (stored) {
      arrival_log_->mark_done(message.id);
      submit(std::move(*stored), std::move(content), /*copies_may_exist=*/true);
      return;
    }
    // Tried again on the queue's schedule (its first retry), the log keeping the message meanwhile.
    asio::post(io_, [this, message = std::move(message), content = std::move(content),
                     why = stored.error().message]() mutable {
      const auto delay = queue::retry_delay(options_.retry, 1, rng_);
      log(fmt::format("{}: cannot move into the spool after a failed Maildir delivery: {}; kept "
                      "in the arrival log, tried again in {:.1f} s",
                      message.id, why, std::chrono::duration<double>(delay).count()));
      auto timer = std::make_shared<asio::steady_timer>(io_, delay);
      timer->async_wait([this, timer, message = std::move(message),
                         content = std::move(content)](const std::error_code& ec) mutable {
        if (!ec) deliver_logged(std::move(message), std::move(content), true);
      });
    });
  });
}

void QueueRunner::start() {
  const auto now = queue::Clock::now();
  for (auto& message : spool_.recovered()) {
    Entry entry;
    entry.recovered = true;
    // A message that never had a round goes now; the others keep their schedule.
    const auto when =
        message.attempts == 0 || message.next_attempt < now ? now : message.next_attempt;
    scheduler_.schedule(message.id, when);
    entry.message = std::move(message);
    const auto id = entry.message.id;
    entries_.emplace(id, std::move(entry));
  }
  queued_ = entries_.size();
  if (!entries_.empty())
    log(fmt::format("queue: {} message{} recovered from the spool", entries_.size(),
                    entries_.size() == 1 ? "" : "s"));
  if (arrival_log_) {
    std::size_t logged = 0;
    for (auto& recovered : arrival_log_->take_recovered()) {
      // Moved into the spool before the crash, its done frame not yet written: the spool has it.
      if (entries_.contains(recovered.message.id)) {
        arrival_log_->mark_done(recovered.message.id);
        continue;
      }
      ++logged;
      deliver_logged(std::move(recovered.message), std::move(recovered.content), true);
    }
    if (logged > 0)
      log(fmt::format("queue: {} message{} recovered from the arrival log", logged,
                      logged == 1 ? "" : "s"));
  }
  asio::post(io_, [this] { run_due(); });
  thread_ = std::thread([this] {
    core::name_this_thread("mx-queue");
    auto guard = asio::make_work_guard(io_);
    io_.run();
  });
}

void QueueRunner::stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
  recorders_.join();  // records being written finish; their reports go nowhere
  // Couriers report into io_, which no longer runs: stop them before it goes.
  if (logged_) logged_->stop();
  if (local_) local_->stop();
  if (remote_) remote_->stop();
}

void QueueRunner::submit(queue::Message message, std::shared_ptr<const std::string> content,
                         bool copies_may_exist) {
  asio::post(io_, [this, message = std::move(message), content = std::move(content),
                   copies_may_exist]() mutable {
    const auto id = message.id;
    Entry entry;
    entry.message = std::move(message);
    entry.content = std::move(content);
    entry.recovered = copies_may_exist;
    auto [it, added] = entries_.emplace(id, std::move(entry));
    if (!added) return;
    queued_ = entries_.size();
    dispatch(it->second);  // a new message is tried at once, without a trip through the heap
  });
}

void QueueRunner::deliver_at_once(queue::Message message,
                                  std::shared_ptr<const std::string> content, AtOnceDone done) {
  DeliveryJob job;
  for (std::size_t i = 0; i < message.recipients.size(); ++i) {
    const bool is_local =
        options_.is_local && options_.is_local(smtp::address_domain(message.recipients[i].address));
    if (!is_local || !local_) {
      done(false, {});
      return;
    }
    job.recipients.push_back(i);
  }
  if (job.recipients.empty()) {
    done(false, {});
    return;
  }
  job.message = message;
  job.content = std::move(content);
  local_->deliver(std::move(job), [message = std::move(message),
                                   done = std::move(done)](std::vector<DeliveryResult> results) {
    auto [all, lines] = every_recipient(message, results);
    done(all, std::move(lines));
  });
}

void QueueRunner::arm_timer() {
  const auto next = scheduler_.next_due();
  if (!next) {
    timer_.cancel();
    return;
  }
  const auto wait = *next - queue::Clock::now();
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::max(wait, queue::Clock::duration::zero())));
  timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) run_due();
  });
}

void QueueRunner::run_due() {
  for (const auto& id : scheduler_.due(queue::Clock::now())) {
    auto it = entries_.find(id);
    if (it != entries_.end() && it->second.in_flight == 0) dispatch(it->second);
  }
  arm_timer();
}

void QueueRunner::dispatch(Entry& entry) {
  auto& message = entry.message;
  if (!entry.content) {
    auto content = spool_.read_content(message.id);
    if (!content) {
      log(fmt::format("{}: cannot read the spool file: {}; retrying later", message.id,
                      content.error().message));
      scheduler_.schedule(message.id, queue::Clock::now() + options_.retry.base);
      return;
    }
    entry.content = std::make_shared<const std::string>(std::move(*content));
  }
  DeliveryJob local, remote;
  for (std::size_t i = 0; i < message.recipients.size(); ++i) {
    if (message.recipients[i].state != queue::RecipientState::Pending) continue;
    const bool is_local =
        options_.is_local && options_.is_local(smtp::address_domain(message.recipients[i].address));
    (is_local ? local : remote).recipients.push_back(i);
  }
  if (!remote.recipients.empty() && !remote_) {
    log(fmt::format("{}: {} remote recipient{} wait in the queue: no remote courier yet",
                    message.id, remote.recipients.size(),
                    remote.recipients.size() == 1 ? "" : "s"));
    remote.recipients.clear();
  }
  for (auto* job : {&local, &remote}) {
    if (job->recipients.empty()) continue;
    job->message = message;
    job->content = entry.content;
    job->recovered = entry.recovered;
    ++entry.in_flight;
    auto recipients = job->recipients;
    Courier& courier = job == &local ? *local_ : *remote_;
    courier.deliver(std::move(*job), [this, id = message.id, recipients = std::move(recipients)](
                                         std::vector<DeliveryResult> results) mutable {
      asio::post(io_, [this, id, recipients = std::move(recipients),
                       results = std::move(results)]() mutable {
        on_results(id, std::move(recipients), std::move(results));
      });
    });
  }
  if (entry.in_flight == 0 && message.finished()) {
    // Nothing to deliver (recovered after its last round): only the bounce may be owed.
    send_bounce(entry);
    record(entry);
    return;
  }
  if (entry.in_flight == 0) {
    // Nothing a courier could take now (remote recipients without a courier): look again later.
    scheduler_.schedule(message.id, queue::Clock::now() + options_.retry.base);
    arm_timer();
  }
}

void QueueRunner::on_results(const queue::QueueId& id, std::vector<std::size_t> recipients,
                             std::vector<DeliveryResult> results) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  for (std::size_t k = 0; k < recipients.size() && k < results.size(); ++k) {
    auto& recipient = entry.message.recipients.at(recipients[k]);
    const DeliveryResult& result = results[k];
    ++recipient.attempts;
    recipient.last_reply = result.reply;
    recipient.status = result.enhanced;
    recipient.remote_mta = result.remote_mta;
    if (result.status == DeliveryResult::Status::Delivered)
      recipient.state = queue::RecipientState::Delivered;
    if (result.status == DeliveryResult::Status::Bounced)
      recipient.state = queue::RecipientState::Bounced;
    log(attempt_line(id, recipient.address, result, entry.message.arrival));
  }
  if (--entry.in_flight == 0) finish_round(entry);
}

void QueueRunner::finish_round(Entry& entry) {
  auto& message = entry.message;
  const auto id = message.id;
  if (entry.deleted) {
    if (auto removed = spool_.remove(id); !removed)
      log(fmt::format("{}: delete: {}", id, removed.error().message));
    entries_.erase(id);
    queued_ = entries_.size();
    return;
  }
  const auto now = queue::Clock::now();
  ++message.attempts;
  if (!message.finished()) {
    if (now - message.arrival >= options_.retry.lifetime) {
      for (auto& r : message.recipients)
        if (r.state == queue::RecipientState::Pending) {
          r.state = queue::RecipientState::Expired;
          r.status = "4.4.7";  // RFC 3463 §3.5: delivery time expired
          log(fmt::format("{}: to=<{}>, relay={}, delay={:.2f}, dsn=4.4.7, status=expired ({})", id,
                          r.address, r.remote_mta.empty() ? "none" : r.remote_mta,
                          std::chrono::duration<double>(now - message.arrival).count(),
                          r.last_reply));
        }
    } else {
      // Never later than the end of the queue lifetime, so expiry comes on time.
      message.next_attempt =
          std::min(now + queue::retry_delay(options_.retry, message.attempts, rng_),
                   message.arrival +
                       std::chrono::duration_cast<queue::Clock::duration>(options_.retry.lifetime));
      message.last_error = "delivery deferred";
      send_delay_warning(entry, now);
    }
  }
  send_bounce(entry);
  record(entry);
}

void QueueRunner::record(Entry& entry) {
  // Spool::update fsyncs; it runs on the recorder pool so that the records of many messages
  // are written in parallel while this thread goes on scheduling. The message takes no new
  // round until its record is written (in_flight).
  ++entry.in_flight;
  asio::post(recorders_, [this, message = entry.message]() {
    auto updated = spool_.update(message);
    asio::post(io_,
               [this, id = message.id, updated = std::move(updated)] { recorded(id, updated); });
  });
}

void QueueRunner::recorded(const queue::QueueId& id, const core::Result<void>& updated) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  --entry.in_flight;
  auto& message = entry.message;
  const auto now = queue::Clock::now();
  if (entry.deleted) {
    if (auto removed = spool_.remove(id); !removed)
      log(fmt::format("{}: delete: {}", id, removed.error().message));
    entries_.erase(it);
    queued_ = entries_.size();
    return;
  }
  // The record is fsynced before the message leaves memory (or is scheduled again): a crash
  // now redelivers at most what the Maildir courier then finds already written.
  if (!updated) {
    log(fmt::format("{}: cannot record the delivery results: {}; will retry", id,
                    updated.error().message));
    scheduler_.schedule(id, now + options_.retry.base);
    arm_timer();
    return;
  }
  entry.recovered = false;
  if (message.removable()) {
    scheduler_.cancel(id);
    entries_.erase(it);
    queued_ = entries_.size();
    return;
  }
  // Finished but a bounce still owed (it could not be queued): try again later.
  scheduler_.schedule(id, message.finished() ? now + options_.retry.base : message.next_attempt);
  arm_timer();
}

// Builds the DSN of `kind` about `entry` and queues it from <> to the original sender, to be
// delivered like any other message. False (logged) when the spool cannot take it.
bool QueueRunner::queue_dsn(Entry& entry, queue::DsnKind kind, queue::Clock::time_point now) {
  const auto& message = entry.message;
  const bool failure = kind == queue::DsnKind::Failure;
  queue::DsnOptions dsn_options;
  dsn_options.reporting_mta = options_.hostname;
  dsn_options.postmaster = "MAILER-DAEMON@" + options_.hostname;
  dsn_options.now = now;
  dsn_options.boundary_seed = failure ? message.id : message.id + "D";
  dsn_options.lifetime = options_.retry.lifetime;
  queue::NewMessage dsn;
  dsn.recipients = {message.sender};
  dsn.content = queue::build_dsn(message, *entry.content, kind, dsn_options);
  dsn.client_address = "127.0.0.1";
  dsn.helo = options_.hostname;
  auto content = std::make_shared<const std::string>(dsn.content);
  auto stored = spool_.store_sync(std::move(dsn));
  if (!stored) {
    log(fmt::format("{}: cannot queue the {}: {}", message.id, failure ? "bounce" : "delay warning",
                    stored.error().message));
    return false;
  }
  log(fmt::format("{}: sender {} notification: {}", message.id, failure ? "non-delivery" : "delay",
                  stored->id));
  Entry dsn_entry;
  dsn_entry.message = *stored;
  dsn_entry.content = std::move(content);
  auto [it, added] = entries_.emplace(stored->id, std::move(dsn_entry));
  queued_ = entries_.size();
  if (added) scheduler_.schedule(stored->id, now);
  arm_timer();  // the original may leave the queue now, without arming the timer itself
  return true;
}

// RFC 3464 Action: delayed, once per message after --delay-warning (0: never), never to <>.
void QueueRunner::send_delay_warning(Entry& entry, queue::Clock::time_point now) {
  const auto& message = entry.message;
  const auto after = options_.retry.delay_warning;
  if (after.count() <= 0 || message.delay_warning_sent || message.sender.empty() ||
      now - message.arrival < after || !entry.content)
    return;
  if (queue_dsn(entry, queue::DsnKind::Delay, now)) entry.message.delay_warning_sent = true;
}

void QueueRunner::send_bounce(Entry& entry) {
  // Never a DSN about a DSN (RFC 3464 §2, RFC 5321 §6.1): bounce_needed() is false for <>.
  if (entry.message.bounce_sent || !entry.message.bounce_needed()) return;
  // On failure bounce_sent stays false: the next round tries again.
  if (queue_dsn(entry, queue::DsnKind::Failure, queue::Clock::now()))
    entry.message.bounce_sent = true;
}

std::size_t QueueRunner::flush() {
  return on_runner([this] {
    scheduler_.flush(queue::Clock::now());
    const std::size_t count = scheduler_.size();
    run_due();
    return count;
  });
}

core::Result<void> QueueRunner::retry(const queue::QueueId& id) {
  return on_runner([this, &id]() -> core::Result<void> {
    if (!entries_.contains(id)) return core::fail(fmt::format("no message {} in the queue", id));
    scheduler_.schedule(id, queue::Clock::now());
    run_due();
    return {};
  });
}

core::Result<void> QueueRunner::remove(const queue::QueueId& id) {
  return on_runner([this, &id]() -> core::Result<void> {
    auto it = entries_.find(id);
    if (it == entries_.end()) return core::fail(fmt::format("no message {} in the queue", id));
    scheduler_.cancel(id);
    if (it->second.in_flight > 0) {
      it->second.deleted = true;  // removed when its deliveries report
      return {};
    }
    if (auto removed = spool_.remove(id); !removed) return removed;
    entries_.erase(it);
    queued_ = entries_.size();
    log(fmt::format("{}: deleted by the operator", id));
    return {};
  });
}

std::size_t QueueRunner::queued() const { return queued_.load(); }

}  // namespace mxkit::delivery
