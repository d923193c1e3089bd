// The queue runner: one scheduler for the whole queue (queue::Scheduler, a timer heap) on one
// event-loop thread. It takes the messages recovered from the spool and those the receiving side
// stores, hands each message's recipients to the courier of their destination (the Maildir
// courier for local domains; the SMTP courier for the others, once one is plugged in), folds
// the results into the spool record, retries by queue::retry_delay and bounces permanent
// failures with a DSN. Never a thread or coroutine per message.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include "core/result.hpp"
#include "delivery/courier.hpp"
#include "queue/arrival_log.hpp"
#include "queue/dsn.hpp"
#include "queue/scheduler.hpp"
#include "queue/spool.hpp"

namespace mxkit::delivery {

struct QueueRunnerOptions {
  std::string hostname;  // Reporting-MTA of DSNs
  queue::RetryPolicy retry;
  std::function<bool(std::string_view domain)> is_local;  // lowercased domain → Maildir courier
  std::function<void(const std::string&)> log;
  std::uint64_t seed = std::random_device{}();  // retry jitter
};

class QueueRunner {
 public:
  QueueRunner(queue::Spool& spool, QueueRunnerOptions options, std::unique_ptr<Courier> local);
  ~QueueRunner();

  // The courier for recipients outside the local domains (issue 9). Until one is set they stay
  // Pending and are looked at again on the retry schedule, logged as waiting for it. Call
  // before start().
  void set_remote_courier(std::unique_ptr<Courier> remote);

  // The arrival log local mail is kept in until its copies are written (see deliver_logged),
  // and the courier that writes those copies (the local one when null: serve gives one whose
  // threads run at a low priority, so that receiving comes first). The log must outlive the
  // runner. Call before start().
  void set_arrival_log(queue::ArrivalLog* log, std::unique_ptr<Courier> courier = nullptr);

  // Schedules every recovered message (the spool's, and the arrival log's not yet written)
  // and starts the runner's thread.
  void start();
  // Stops the thread; deliveries in progress are abandoned (their messages stay queued).
  void stop();

  // A message the receiving side has just stored (any thread). `content` spares a read of the
  // spool file. `copies_may_exist`: a delivery at once wrote some copies before it failed, so
  // each copy is looked for before it is written, as for a recovered message.
  void submit(queue::Message message, std::shared_ptr<const std::string> content,
              bool copies_may_exist = false);

  // Final delivery at reception, for a message whose every recipient is local: the Maildir
  // courier writes every copy now (fsynced, renamed into new/, the folder fsynced), so the
  // message never needs a spool file: one file write and fsync instead of three. `done` (from
  // the courier's thread) gets true when every copy is on stable storage and the log lines of
  // the attempt. On false the caller queues the message with the same id and arrival (some
  // copies may be written: submit() with copies_may_exist then looks for them, never writing
  // a second one).
  // Mail for a remote recipient, or with no local courier, gets false at once and no lines.
  using AtOnceDone = std::function<void(bool delivered, std::vector<std::string> log_lines)>;
  void deliver_at_once(queue::Message message, std::shared_ptr<const std::string> content,
                       AtOnceDone done);

  // Local mail the arrival log holds (any thread; serve calls it once the 250 is given): the
  // Maildir courier writes every copy, then the log is told it is done with the message. If a
  // copy fails the message moves into the spool (same id and arrival, so the copies already
  // written are found, never written twice) and is retried from there; should the spool fail
  // as well, the log keeps it and it is tried again at the queue's first retry
  // (RetryPolicy::base). `recovered`: copies may exist.
  void deliver_logged(queue::Message message, std::shared_ptr<const std::string> content,
                      bool recovered = false);

  // `mxkit queue flush`, `retry ID`, `delete ID` (any thread; they wait for the runner).
  std::size_t flush();
  core::Result<void> retry(const queue::QueueId& id);
  core::Result<void> remove(const queue::QueueId& id);

  std::size_t queued() const;  // messages held now (tests, logs)

 private:
  struct Entry {
    queue::Message message;
    std::shared_ptr<const std::string> content;  // null until read (recovered messages)
    bool recovered = false;
    bool deleted = false;       // `delete ID` while deliveries were in flight
    std::size_t in_flight = 0;  // courier jobs not yet reported
  };

  void arm_timer();
  void run_due();
  void dispatch(Entry& entry);
  void on_results(const queue::QueueId& id, std::vector<std::size_t> recipients,
                  std::vector<DeliveryResult> results);
  void finish_round(Entry& entry);
  void record(Entry& entry);  // Spool::update on the recorder pool, then recorded()
  void recorded(const queue::QueueId& id, const core::Result<void>& updated);  // drop or reschedule
  bool queue_dsn(Entry& entry, queue::DsnKind kind, queue::Clock::time_point now);
  void send_bounce(Entry& entry);
  void send_delay_warning(Entry& entry, queue::Clock::time_point now);
  template <class F>
  auto on_runner(F f);  // runs f on the runner thread and waits for its result
  void log(const std::string& line) const;

  queue::Spool& spool_;
  QueueRunnerOptions options_;
  std::unique_ptr<Courier> local_;
  std::unique_ptr<Courier> remote_;
  queue::ArrivalLog* arrival_log_ = nullptr;
  std::unique_ptr<Courier> logged_;  // writes the copies of logged mail (or local_)
  asio::io_context io_{1};
  asio::steady_timer timer_{io_};
  asio::thread_pool recorders_{4};  // parallel Spool::update fsyncs
  std::thread thread_;
  queue::Scheduler scheduler_;
  std::unordered_map<queue::QueueId, Entry> entries_;  // runner thread only
  std::mt19937_64 rng_;
  std::atomic<std::size_t> queued_{0};
};

}  // namespace mxkit::delivery
