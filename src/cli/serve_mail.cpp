// The mail role of `mxkit serve` (see serve_mail.hpp).
#include "cli/serve_mail.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "delivery/control_server.hpp"
#include "delivery/maildir.hpp"
#include "delivery/queue_runner.hpp"
#include "net/tls.hpp"
#include "queue/arrival_log.hpp"
#include "queue/control.hpp"
#include "queue/spool.hpp"

namespace mxkit::cli {

void log_serve(const std::string& line) { core::log_line("mxkit serve", line); }

namespace {

std::string system_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

core::Result<mta::PolicyConfig> make_policy_config(const MailOptions& o) {
  mta::PolicyConfig config;
  config.local_domains = o.local_domains;
  config.mailboxes = o.mailboxes;
  config.aliases = o.aliases;
  if (o.relay_from.empty()) config.relay_from = mta::loopback_prefixes();
  // "none": relay for no client, only mail for the local domains is taken (an MX that is not
  // also a submission server).
  if (o.relay_from.size() == 1 && o.relay_from[0] == "none") return config;
  for (const auto& text : o.relay_from) {
    if (text == "none") return core::fail("--relay-from none cannot be given with prefixes");
    auto prefix = net::AddressPrefix::parse(text);
    if (!prefix)
      return core::fail(fmt::format("--relay-from {}: {}", text, prefix.error().message));
    config.relay_from.push_back(*prefix);
  }
  return config;
}

core::Result<mta::SmtpServerOptions> make_smtp_options(const MailOptions& o) {
  mta::SmtpServerOptions out;
  if (o.listen.empty()) return core::fail("the SMTP role needs --smtp-listen ADDRESS:PORT");
  for (const auto& text : o.listen) {
    auto endpoint = net::parse_endpoint(text, 25);
    if (!endpoint) {
      return core::fail(fmt::format("--smtp-listen {}: {}{}", text, endpoint.error().message,
                                    text.find("::") != std::string::npos && !text.starts_with('[')
                                        ? " (write IPv6 with a port as [::1]:25)"
                                        : ""));
    }
    out.listen.push_back(*endpoint);
  }
  if (o.spool.empty()) return core::fail("the SMTP role needs --spool DIR");
  if (!o.local_domains.empty() && o.maildir_root.empty())
    return core::fail("local domains need --maildir-root DIR for their mailboxes");
  if (o.tls_cert.empty() != o.tls_key.empty())
    return core::fail("give both --tls-cert and --tls-key, or neither");
  if (o.max_message_size < 1024)
    return core::fail("--max-message-size must be at least 1024 octets");
  if (o.max_recipients == 0) return core::fail("--max-recipients must be at least 1");
  if (o.max_connections == 0) return core::fail("--max-connections must be at least 1");
  out.session.hostname = o.hostname.empty() ? system_hostname() : o.hostname;
  out.session.max_message_size = o.max_message_size;
  out.session.max_recipients = o.max_recipients;
  out.max_connections = o.max_connections;
  out.timeout = std::chrono::seconds(o.timeout_seconds);
  out.tls_cert = o.tls_cert;
  out.tls_key = o.tls_key;
  out.check_sender_domain = o.check_sender_domain;
  if (o.check_sender_domain) {
    auto resolver = make_resolver_config(o.resolver);
    if (!resolver) return tl::unexpected(resolver.error());
    out.resolver = std::move(*resolver);
  }
  return out;
}

core::Result<std::string> check_mail_options(const MailOptions& o) {
  auto smtp = make_smtp_options(o);
  if (!smtp) return tl::unexpected(smtp.error());
  auto policy_config = make_policy_config(o);
  if (!policy_config) return tl::unexpected(policy_config.error());
  auto policy = mta::AcceptancePolicy::make(*policy_config);
  if (!policy) return tl::unexpected(policy.error());
  auto retry = make_retry_policy(o.delivery);
  if (!retry) return tl::unexpected(retry.error());
  if (!o.tls_cert.empty()) {
    auto tls = net::make_server_tls_context(o.tls_cert, o.tls_key);
    if (!tls) return tl::unexpected(tls.error());
  }
  // The courier's settings are checked (resolver, routes, relayhost); nothing is started.
  auto remote = make_remote_courier_options(o.delivery, o.resolver, smtp->session.hostname,
                                            o.listen, [](std::string_view) {});
  if (!remote) return tl::unexpected(remote.error());

  std::string out;
  for (const auto& e : smtp->listen)
    out += e.address.is_v6() ? fmt::format("smtp listen [{}]:{}\n", e.address.to_string(), e.port)
                             : fmt::format("smtp listen {}:{}\n", e.address.to_string(), e.port);
  std::string domains;
  for (const auto& d : policy->local_domains())
    domains += fmt::format("{}{}", domains.empty() ? "" : ", ", d);
  out += fmt::format("smtp hostname {}; spool {}{}; TLS {}\n", smtp->session.hostname,
                     o.spool.string(), std::filesystem::exists(o.spool) ? "" : " (created at start)",
                     o.tls_cert.empty() ? "off" : "on (" + o.tls_cert.string() + ")");
  out += fmt::format("local domains: {}; {} mailbox{}, {} alias{}; Maildirs under {}\n",
                     domains.empty() ? "none" : domains, o.mailboxes.size(),
                     o.mailboxes.size() == 1 ? "" : "es", o.aliases.size(),
                     o.aliases.size() == 1 ? "" : "es",
                     o.maildir_root.empty() ? "-" : o.maildir_root.string());
  out += fmt::format("relaying for: {}\n",
                     o.relay_from.empty()                          ? std::string("loopback (the default)")
                     : o.relay_from == std::vector<std::string>{"none"} ? std::string("nobody")
                                          : fmt::format("{}", fmt::join(o.relay_from, ", ")));
  return out;
}

MailService::MailService(MailOptions options) : options_(std::move(options)) {}

MailService::~MailService() { stop(); }

core::Result<void> MailService::start() {
  auto smtp_options = make_smtp_options(options_);
  if (!smtp_options) return tl::unexpected(smtp_options.error());
  auto policy_config = make_policy_config(options_);
  if (!policy_config) return tl::unexpected(policy_config.error());
  auto policy = mta::AcceptancePolicy::make(*policy_config);
  if (!policy) return tl::unexpected(policy.error());

  auto spool = queue::Spool::open(options_.spool);
  if (!spool)
    return core::fail(fmt::format("spool {}: {}", options_.spool.string(), spool.error().message));
  spool_ = std::move(*spool);
  for (const auto& note : spool_->recovery_notes()) log_serve("spool: " + note);
  auto arrival_log = queue::ArrivalLog::open(options_.spool);
  if (!arrival_log)
    return core::fail(fmt::format("arrival log in {}: {}", options_.spool.string(),
                                  arrival_log.error().message));
  arrival_log_ = std::move(*arrival_log);
  for (const auto& note : arrival_log_->notes()) log_serve("arrival log: " + note);
  spool_->keep_ids_above(arrival_log_->highest_id());

  delivery::QueueRunnerOptions runner_options;
  runner_options.hostname = smtp_options->session.hostname;
  runner_options.is_local = [domains = policy->local_domains()](std::string_view domain) {
    return std::find(domains.begin(), domains.end(), domain) != domains.end();
  };
  runner_options.log = log_serve;
  auto retry = make_retry_policy(options_.delivery);
  if (!retry) return tl::unexpected(retry.error());
  runner_options.retry = *retry;
  runner_ = std::make_unique<delivery::QueueRunner>(
      *spool_, std::move(runner_options),
      std::make_unique<delivery::MaildirCourier>(options_.maildir_root,
                                                 smtp_options->session.hostname));

  auto remote = make_remote_courier(options_.delivery, options_.resolver,
                                    smtp_options->session.hostname, options_.listen,
                                    [](std::string_view line) { log_serve(std::string(line)); });
  if (!remote) return tl::unexpected(remote.error());
  runner_->set_remote_courier(std::move(*remote));
  // The copies of logged mail are written after the 250 by threads of their own at nice 19, so
  // receiving comes first; the copies sessions wait for (a full backlog, the spool's retries)
  // keep the normal priority. (SCHED_IDLE instead was measured too: no more messages/s with a
  // new connection per message, and the backlog left from a burst then drained so slowly that
  // the next burst met it full and waited for its copies: half the rate with reused ones.)
  // Nobody waits for them: each commit makes the copies gathered for 20 ms durable with one
  // syncfs, which costs less CPU a copy than an fsync each.
  delivery::MaildirCourier::Options background;
  background.nice = 19;
  background.durability = delivery::MaildirCourier::Durability::SyncfsBatch;
  background.gather = std::chrono::milliseconds(20);
  runner_->set_arrival_log(arrival_log_.get(),
                           std::make_unique<delivery::MaildirCourier>(
                               options_.maildir_root, smtp_options->session.hostname, background));

  control_ = std::make_unique<delivery::ControlServer>(
      io_, options_.spool / queue::kControlSocketName, *runner_, log_serve);
  if (auto started = control_->start(); !started) return started;

  auto* runner = runner_.get();
  smtp_ = std::make_unique<mta::SmtpServer>(
      io_, *smtp_options, std::move(*policy), *spool_,
      [runner](const queue::Message& message, std::shared_ptr<const std::string> content,
               bool copies_may_exist) {
        runner->submit(message, std::move(content), copies_may_exist);
      },
      log_serve);
  // Local mail goes into the arrival log, and its Maildir copies are written once the 250 is
  // out (docs/architecture.md, "The arrival log"); the rest goes through the spool. While the
  // log holds --arrival-backlog messages the Maildirs are not keeping up: sessions then wait for
  // their copies (delivery at reception), which slows the clients down instead. The backlog's
  // contents are held in memory until written, so its octets are bounded too.
  auto* log = arrival_log_.get();
  const std::size_t max_messages = options_.arrival_backlog;
  const std::uint64_t max_bytes = options_.arrival_backlog_bytes;
  smtp_->set_at_once([this, runner, log, max_messages, max_bytes](
                         queue::Message message, std::shared_ptr<const std::string> content,
                         mta::AtOnceDone done) {
    const auto backlog = log->backlog();
    if (backlog.messages >= max_messages || backlog.bytes + content->size() > max_bytes) {
      runner->deliver_at_once(std::move(message), std::move(content), std::move(done));
      return;
    }
    const std::string_view text = *content;
    log->append(message, text,
                [this, runner, message, content,
                 done = std::move(done)](core::Result<void> logged) mutable {
                  if (!logged) {
                    log_serve(fmt::format("{}: {}; queued in the spool instead", message.id,
                                          logged.error().message));
                    done(false, {});
                    return;
                  }
                  done(true, {});
                  // Posted after `done`'s own post to the connection: the "received" line is
                  // logged before any delivery line.
                  asio::post(io_, [runner, message = std::move(message),
                                   content = std::move(content)]() mutable {
                    runner->deliver_logged(std::move(message), std::move(content));
                  });
                });
  });
  if (auto started = smtp_->start(); !started) {
    control_->stop();
    return started;
  }
  runner_->start();
  thread_ = std::thread([this] {
    core::name_this_thread("mx-smtp");
    auto guard = asio::make_work_guard(io_);
    io_.run();
  });
  log_serve(fmt::format(
      "SMTP as {} on {} address{}; spool {}; {} local domain{}", smtp_options->session.hostname,
      options_.listen.size(), options_.listen.size() == 1 ? "" : "es", options_.spool.string(),
      options_.local_domains.size(), options_.local_domains.size() == 1 ? "" : "s"));
  return {};
}

void MailService::stop() {
  if (smtp_) smtp_->stop();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  if (runner_) runner_->stop();
  if (control_) control_->stop();
}

}  // namespace mxkit::cli

namespace mxkit::cli {

void add_mail_options(CLI::App& serve, MailOptions& o) {
  // One value per occurrence (--mailbox A --mailbox B), so no option swallows the next word.
  auto one_each = [](CLI::Option* option) {
    option->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  one_each(serve.add_option("--smtp-listen", o.listen,
                            "SMTP address to take mail on, ADDRESS:PORT (repeatable)"));
  serve.add_option(
      "--hostname", o.hostname,
      "This server's name in the greeting, EHLO and Received: (default: the host name)");
  serve.add_option("--spool", o.spool,
                   "Queue directory: every accepted message is fsynced here before its 250");
  one_each(serve.add_option("--local-domain", o.local_domains,
                            "Domain whose mail is delivered here (repeatable)"));
  one_each(serve.add_option(
      "--mailbox", o.mailboxes,
      "Mailbox of a local domain, ADDRESS, or *@DOMAIN for every address of it (repeatable)"));
  serve.add_option("--maildir-root", o.maildir_root,
                   "Maildirs are ROOT/DOMAIN/LOCAL/{tmp,new,cur}");
  one_each(serve.add_option(
      "--alias", o.aliases,
      "ADDRESS=ADDRESS[,ADDRESS]: mail for the first goes to the others (repeatable)"));
  one_each(serve.add_option(
      "--relay-from", o.relay_from,
      "Client address or prefix allowed to send to other domains (repeatable; default "
      "127.0.0.0/8 and ::1; \"none\": nobody)"));
  serve.add_option("--tls-cert", o.tls_cert, "PEM certificate chain for STARTTLS (with --tls-key)");
  serve.add_option("--tls-key", o.tls_key, "PEM private key for STARTTLS");
  serve.add_option("--max-message-size", o.max_message_size,
                   "Largest message in octets, announced as SIZE (default 52428800)");
  serve.add_option("--max-recipients", o.max_recipients,
                   "Recipients per message; beyond: 452 4.5.3 (default 100)");
  serve.add_option("--max-connections", o.max_connections,
                   "Open SMTP connections; beyond: 421 4.7.0 (default 1000)");
  serve
      .add_option("--smtp-timeout", o.timeout_seconds,
                  "Seconds to wait for a command or data before 421 (default 300)")
      ->check(CLI::Range(1, 3600));
  serve.add_option("--arrival-backlog", o.arrival_backlog,
                   "Local messages kept in the arrival log, 250 given, Maildir copies still to "
                   "write; beyond, sessions wait for their copies (default 20000; 0: always)");
  serve.add_option("--arrival-backlog-bytes", o.arrival_backlog_bytes,
                   "Octets of those messages' contents, held in memory until written; beyond, "
                   "sessions wait for their copies (default 134217728, 128 MiB)");
  serve.add_flag(
      "--no-sender-check", [&o](std::int64_t) { o.check_sender_domain = false; },
      "Do not look up MAIL FROM domains for a null MX (RFC 7505)");
  add_resolver_options(serve, o.resolver);
  add_delivery_options(serve, o.delivery);
}

}  // namespace mxkit::cli
