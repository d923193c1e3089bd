// The remote courier (see remote_courier.hpp).
#include "delivery/remote_courier.hpp"

#include <map>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>

#include "core/thread_name.hpp"
#include "smtp/address.hpp"

namespace mxkit::delivery {

DeliveryResult to_delivery_result(const RecipientOutcome& outcome) {
  DeliveryResult r;
  r.status = outcome.status == RecipientOutcome::Status::Sent ? DeliveryResult::Status::Delivered
             : outcome.status == RecipientOutcome::Status::Bounced
                 ? DeliveryResult::Status::Bounced
                 : DeliveryResult::Status::Deferred;
  // A remote reply is kept as the server said it (the DSN's Diagnostic-Code: smtp; ...).
  r.reply = outcome.reply;
  r.enhanced = outcome.dsn;
  r.remote_mta = outcome.relay == "none" ? std::string() : outcome.relay;
  return r;
}

RemoteCourier::RemoteCourier(RemoteCourierOptions options) : work_(io_.get_executor()) {
  resolver_ = std::make_unique<resolver::Resolver>(io_.get_executor(), std::move(options.resolver));
  courier_ = std::make_unique<SmtpCourier>(io_.get_executor(), *resolver_,
                                           std::move(options.courier), options.seed);
  thread_ = std::thread([this] {
    core::name_this_thread("mx-smtp-out");
    io_.run();
  });
}

RemoteCourier::~RemoteCourier() { stop(); }

void RemoteCourier::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  io_.stop();
  thread_.join();
}

std::size_t RemoteCourier::queries_sent() const { return resolver_->queries_sent(); }

void RemoteCourier::deliver(DeliveryJob job, DeliveryDone done) {
  asio::post(io_, [this, job = std::move(job), done = std::move(done)]() mutable {
    // One transaction per domain: recipients grouped, in their order within each group.
    std::map<std::string, std::vector<std::size_t>> by_domain;  // domain → positions in job
    for (std::size_t k = 0; k < job.recipients.size(); ++k)
      by_domain[smtp::address_domain(job.message.recipients.at(job.recipients[k]).address)]
          .push_back(k);
    struct Round {
      std::vector<DeliveryResult> results;
      std::size_t open = 0;
      DeliveryDone done;
    };
    auto round = std::make_shared<Round>();
    round->results.resize(job.recipients.size());
    round->open = by_domain.size();
    round->done = std::move(done);
    for (auto& [domain, positions] : by_domain) {
      DeliveryRequest request;
      request.queue_id = job.message.id;
      request.domain = domain;
      request.sender = job.message.sender;
      for (const auto k : positions)
        request.recipients.push_back(job.message.recipients.at(job.recipients[k]).address);
      request.content = *job.content;
      request.body_8bit = job.message.body_8bit;
      request.smtputf8 = job.message.smtputf8;
      request.arrival = job.message.arrival;
      asio::co_spawn(
          io_, courier_->deliver(std::move(request)),
          [round, positions = positions](std::exception_ptr e, std::vector<RecipientOutcome> out) {
            for (std::size_t j = 0; j < positions.size(); ++j) {
              if (!e && j < out.size()) {
                round->results[positions[j]] = to_delivery_result(out[j]);
              } else {  // never lose a recipient to a bug: defer it
                round->results[positions[j]].status = DeliveryResult::Status::Deferred;
                round->results[positions[j]].reply = "451 4.3.0 internal error in the SMTP courier";
                round->results[positions[j]].enhanced = "4.3.0";
              }
            }
            if (--round->open == 0) round->done(std::move(round->results));
          });
    }
    if (by_domain.empty()) round->done({});
  });
}

}  // namespace mxkit::delivery
