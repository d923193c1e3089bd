// One inbound SMTP connection (see connection.hpp).
#include "mta/connection.hpp"

#include <set>
#include <utility>

#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "core/ascii.hpp"
#include "mta/received.hpp"
#include "smtp/address.hpp"

namespace mxkit::mta {

namespace {

asio::ip::address plain(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return address;
}

std::string recipients_text(const std::vector<std::string>& recipients) {
  std::string out;
  for (const auto& r : recipients) {
    if (!out.empty()) out += ',';
    out += '<' + r + '>';
  }
  return out;
}

// Per connection: 16 KiB keeps 1,000 idle connections near 20 MiB, and DATA still moves in few
// reads.
constexpr std::size_t kReadSize = 16 * 1024;

}  // namespace

Connection::Connection(SmtpServer::Shared& shared, asio::ip::tcp::socket socket, bool refuse)
    : shared_(shared), stream_(std::move(socket)), timer_(shared.io), refuse_(refuse) {
  std::error_code ec;
  client_ = plain(stream_.socket().remote_endpoint(ec).address());
  client_text_ = client_.to_string();
  input_.resize(kReadSize);
}

asio::awaitable<std::size_t> Connection::read(std::error_code& ec) {
  // The timer cancels this read only (reads_ tells a late expiry from the current one); its
  // handler keeps the connection alive until it has run.
  const std::uint64_t this_read = ++reads_;
  timer_.expires_after(shared_.options.timeout);
  timer_.async_wait([self = shared_from_this(), this_read](const std::error_code& wait_ec) {
    if (wait_ec || self->reads_ != this_read) return;
    self->timed_out_ = true;
    std::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
  const std::size_t n = co_await stream_.read_some(asio::buffer(input_), ec);
  ++reads_;
  co_return n;
}

asio::awaitable<void> Connection::run() {
  smtp::ServerConfig config = shared_.options.session;
  config.tls_available = shared_.tls != nullptr;
  smtp::ServerSession session(config);
  // The connection limit (RFC 5321 §4.3.2 lets a server answer 421 at once).
  if (refuse_) session.refuse_connection("Too many connections, try again later");
  std::string out;
  bool done = false;
  while (!done) {
    while (auto event = session.next_event()) {
      switch (event->kind) {
        case smtp::Event::Kind::Write: out += event->bytes; break;
        case smtp::Event::Kind::Sender:
          session.answer(co_await check_sender(event->envelope.sender));
          break;
        case smtp::Event::Kind::Recipient:
          session.answer(shared_.policy.check_recipient(event->recipient, client_));
          break;
        case smtp::Event::Kind::Message: session.answer(co_await store(*event)); break;
        case smtp::Event::Kind::StartTls: {
          std::error_code ec;
          co_await stream_.write(asio::buffer(out), ec);
          out.clear();
          if (!ec) co_await stream_.start_tls(*shared_.tls, ec);
          if (ec) {
            shared_.log(fmt::format("STARTTLS from [{}] failed: {}", client_text_, ec.message()));
            done = true;
            break;
          }
          session.tls_started(stream_.tls_version());
          break;
        }
        case smtp::Event::Kind::Close: done = true; break;
      }
      if (done) break;
    }
    // RFC 2920 §3: the replies to a pipelined group go out together, before we read again.
    if (!out.empty()) {
      std::error_code ec;
      co_await stream_.write(asio::buffer(out), ec);
      out.clear();
      if (ec) break;
    }
    if (done || session.finished()) break;
    std::error_code ec;
    const std::size_t n = co_await read(ec);
    if (timed_out_) {
      timed_out_ = false;
      session.timed_out();  // 421 4.4.2 and a Close
      continue;
    }
    if (ec || n == 0) {
      session.closed();
      break;
    }
    session.receive(std::span<const char>(input_.data(), n));
  }
  timer_.cancel();
  stream_.close();
}

asio::awaitable<smtp::Verdict> Connection::check_sender(const smtp::Path& sender) {
  const std::string domain = shared_.policy.sender_domain_to_check(sender);
  if (domain.empty() || !shared_.senders)
    co_return shared_.policy.check_sender(sender, SenderDomainStatus::Accepts);
  const SenderDomainStatus status = co_await shared_.senders->check(domain);
  smtp::Verdict verdict = shared_.policy.check_sender(sender, status);
  if (!verdict.accepted())
    shared_.log(fmt::format("reject: MAIL from [{}]: {}", client_text_, verdict.reply.summary()));
  co_return verdict;
}

asio::awaitable<smtp::Verdict> Connection::store(smtp::Event& event) {
  const smtp::Envelope& envelope = event.envelope;
  // Aliases are expanded here, once (as Postfix's cleanup does with virtual aliases): the
  // spool holds the final addresses, each once.
  std::vector<std::string> recipients;
  std::set<std::string> seen;
  for (const auto& path : envelope.recipients)
    for (auto& address : shared_.policy.expand(path))
      if (seen.insert(core::ascii_lower(address)).second) recipients.push_back(std::move(address));
  if (recipients.empty())  // every recipient an alias that loops back to itself
    co_return smtp::Verdict::refuse(554, "5.4.6", "Alias loop: the recipients lead to no mailbox");

  ReceivedInfo info;
  info.helo = envelope.helo;
  info.client_address = client_text_;
  info.hostname = shared_.options.session.hostname;
  info.esmtp = envelope.esmtp;
  info.smtputf8 = envelope.smtputf8;
  info.tls_version = stream_.tls_version();
  info.tls_cipher = stream_.tls_cipher();
  if (envelope.recipients.size() == 1) info.recipient = envelope.recipients.front().text();
  info.time = std::chrono::system_clock::now();
  std::string header = received_header(info);

  queue::NewMessage message;
  message.sender = envelope.sender.text();
  message.recipients = recipients;
  message.content.reserve(header.size() + event.content.size());
  message.content = std::move(header);
  message.content += event.content;
  message.client_address = client_text_;
  message.helo = envelope.helo;
  message.body_8bit = envelope.body_8bit;
  message.smtputf8 = envelope.smtputf8;
  auto content = std::make_shared<const std::string>(message.content);

  std::vector<std::string> delivery_lines;
  if (co_await deliver_at_once(message, content, delivery_lines)) {
    log_received(message.id, envelope, recipients, content->size(), info.tls_version);
    for (const auto& line : delivery_lines) shared_.log(line);
    co_return smtp::Verdict::accept("2.0.0", "Ok: queued as " + message.id);
  }

  // Spool::store calls back on its commit thread once the file and directory are fsynced; the
  // result is posted back to this connection's executor, where the coroutine resumes.
  auto executor = stream_.socket().get_executor();
  auto stored = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                              void(core::Result<queue::Message>)>(
      [this, &message, executor](auto handler) {
        auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
        shared_.spool.store(
            std::move(message), [shared_handler, executor](core::Result<queue::Message> result) {
              asio::post(executor, [shared_handler, result = std::move(result)]() mutable {
                (*shared_handler)(std::move(result));
              });
            });
      },
      asio::use_awaitable);
  if (!stored) {
    shared_.log(
        fmt::format("cannot queue a message from [{}]: {}", client_text_, stored.error().message));
    co_return smtp::Verdict::refuse(452, "4.3.1", "Insufficient system storage, try again later");
  }
  log_received(stored->id, envelope, recipients, content->size(), info.tls_version);
  for (const auto& line : delivery_lines) shared_.log(line);  // the failed attempt at once
  // Lines came back only if the Maildir courier tried: some copies may then be on disk.
  if (shared_.stored) shared_.stored(*stored, content, !delivery_lines.empty());
  co_return smtp::Verdict::accept("2.0.0", "Ok: queued as " + stored->id);
}

void Connection::log_received(const queue::QueueId& id, const smtp::Envelope& envelope,
                              const std::vector<std::string>& recipients, std::size_t size,
                              const std::string& tls_version) {
  shared_.log(fmt::format("{}: client=[{}], helo={}, from=<{}>, to={}, size={}, tls={}", id,
                          client_text_, envelope.helo, envelope.sender.text(),
                          recipients_text(recipients), size,
                          tls_version.empty() ? "none" : tls_version));
}

// Local mail is delivered before the 250 when serve offers it (SmtpServer::set_at_once): the
// Maildir copies are the stable storage RFC 5321 §6.1 asks for, and no spool file is written.
// The message keeps the id reserved here if it has to be queued after all.
asio::awaitable<bool> Connection::deliver_at_once(queue::NewMessage& message,
                                                  std::shared_ptr<const std::string> content,
                                                  std::vector<std::string>& log_lines) {
  if (!shared_.at_once) co_return false;
  for (const auto& address : message.recipients)
    if (!shared_.policy.is_local_domain(smtp::address_domain(address))) co_return false;
  message.id = shared_.spool.reserve_id();
  message.arrival = queue::Clock::now();
  queue::Message record = queue::message_from(message, message.id, message.arrival);
  auto executor = stream_.socket().get_executor();
  auto [delivered, lines] =
      co_await asio::async_initiate<decltype(asio::use_awaitable),
                                    void(std::pair<bool, std::vector<std::string>>)>(
          [this, &record, &content, executor](auto handler) {
            auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
            shared_.at_once(std::move(record), content,
                            [shared_handler, executor](bool ok, std::vector<std::string> text) {
                              asio::post(executor,
                                         [shared_handler, ok, text = std::move(text)]() mutable {
                                           (*shared_handler)(std::make_pair(ok, std::move(text)));
                                         });
                            });
          },
          asio::use_awaitable);
  log_lines = std::move(lines);
  co_return delivered;
}

}  // namespace mxkit::mta
