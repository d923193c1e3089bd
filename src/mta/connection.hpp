// One inbound SMTP connection: the coroutine that moves bytes between a socket (plain or TLS)
// and an smtp::ServerSession, and answers the session's decisions from the policy and the
// spool. Private to the server (server.cpp starts it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>

#include "mta/policy.hpp"
#include "mta/sender_check.hpp"
#include "mta/server.hpp"
#include "net/tls.hpp"

namespace mxkit::mta {

struct SmtpServer::Shared {
  asio::io_context& io;
  SmtpServerOptions options;
  AcceptancePolicy policy;
  queue::Spool& spool;
  StoredHandler stored;
  LogHandler log;
  AtOnceHandler at_once;                         // null: every message goes to the spool
  std::shared_ptr<asio::ssl::context> tls;       // null: no STARTTLS
  std::unique_ptr<SenderDomainChecker> senders;  // null: no sender domain check
  std::vector<asio::ip::tcp::acceptor> acceptors;
  std::size_t connections = 0;  // open, not counting those refused at the limit
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(SmtpServer::Shared& shared, asio::ip::tcp::socket socket, bool refuse);
  // Runs the session to its end (co_spawn it with a shared_ptr to this kept alive).
  asio::awaitable<void> run();

 private:
  // Reads what comes, or returns 0 with timed_out_ set when nothing came within the timeout.
  asio::awaitable<std::size_t> read(std::error_code& ec);
  asio::awaitable<smtp::Verdict> check_sender(const smtp::Path& sender);
  asio::awaitable<smtp::Verdict> store(smtp::Event& event);
  // Offers the message to Shared::at_once when every recipient is local: true when delivered.
  asio::awaitable<bool> deliver_at_once(queue::NewMessage& message,
                                        std::shared_ptr<const std::string> content,
                                        std::vector<std::string>& log_lines);
  void log_received(const queue::QueueId& id, const smtp::Envelope& envelope,
                    const std::vector<std::string>& recipients, std::size_t size,
                    const std::string& tls_version);

  SmtpServer::Shared& shared_;
  net::Stream stream_;
  asio::steady_timer timer_;
  std::uint64_t reads_ = 0;  // the timer only cancels the read it was set for
  bool timed_out_ = false;
  bool refuse_ = false;
  asio::ip::address client_;
  std::string client_text_;
  std::string input_;  // read buffer
};

}  // namespace mxkit::mta
