// The queue runner's courier for remote recipients: the SmtpCourier on its own event-loop
// thread with the server's one Resolver (one cache for every delivery). A job's recipients are
// grouped by domain, one transaction per domain (RFC 5321 §3.3), the domains in parallel.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "delivery/courier.hpp"
#include "delivery/smtp_courier.hpp"
#include "resolver/resolver.hpp"

namespace mxkit::delivery {

struct RemoteCourierOptions {
  resolver::ResolverConfig resolver;
  CourierOptions courier;
  std::uint64_t seed = 0;  // the shuffle of equal MX preferences
};

class RemoteCourier : public Courier {
 public:
  explicit RemoteCourier(RemoteCourierOptions options);  // starts the thread
  ~RemoteCourier() override;

  void deliver(DeliveryJob job, DeliveryDone done) override;
  void stop() override;

  // The resolver's queries so far (benchmarks: queries per delivered message).
  std::size_t queries_sent() const;

 private:
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<resolver::Resolver> resolver_;
  std::unique_ptr<SmtpCourier> courier_;
  std::thread thread_;
};

// The courier's outcome as the runner records it.
DeliveryResult to_delivery_result(const RecipientOutcome& outcome);

}  // namespace mxkit::delivery
