// The delivering side of `mxkit serve` (see serve_delivery.hpp).
#include "cli/serve_delivery.hpp"

#include <charconv>
#include <random>

#include <fmt/format.h>

#include "delivery/next_hop.hpp"
#include "routing/address.hpp"

namespace mxkit::cli {

core::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const auto unit = text.substr(digits);
  std::uint64_t value = 0;
  if (digits == 0 || digits > 12 ||
      std::from_chars(text.data(), text.data() + digits, value).ec != std::errc{})
    return core::fail(fmt::format("\"{}\": expected a number with ms, s, m, h or d", text));
  std::uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s" || unit.empty()) scale = 1000;
  if (unit == "m") scale = 60 * 1000;
  if (unit == "h") scale = 3600 * 1000;
  if (unit == "d") scale = 86400 * 1000;
  if (scale == 0)
    return core::fail(fmt::format("\"{}\": unknown unit \"{}\" (ms, s, m, h or d)", text, unit));
  return std::chrono::milliseconds(static_cast<std::int64_t>(value * scale));
}

void add_delivery_options(CLI::App& serve, DeliveryOptions& o) {
  auto one_each = [](CLI::Option* option) {
    option->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  serve.add_option("--smtp-port", o.smtp_port,
                   "Port of every outgoing SMTP connection to an MX (default 25)");
  one_each(serve.add_option("--self", o.self,
                            "A name or IP of this MTA for MX loop detection (repeatable; "
                            "default: --hostname and the listen addresses)"));
  one_each(serve.add_option("--route", o.routes,
                            "DOMAIN=HOST[:PORT]: mail for DOMAIN goes to HOST, no MX lookup "
                            "(repeatable)"));
  serve.add_option("--relayhost", o.relayhost,
                   "HOST[:PORT]: every non-local domain goes there, no MX lookup");
  serve.add_option("--retry-base", o.retry_base, "First retry after about DUR (default 5m)");
  serve.add_option("--retry-max", o.retry_max, "Longest wait between retries (default 1h)");
  serve.add_option("--queue-lifetime", o.queue_lifetime,
                   "Bounce with 4.4.7 after DUR in the queue (default 5d)");
  serve.add_option("--delay-warning", o.delay_warning,
                   "Warn the sender once after DUR (default 4h; 0 = never)");
  serve.add_option("--connect-timeout", o.connect_timeout,
                   "Outgoing SMTP connect timeout (default 30s)");
  serve.add_option("--greeting-timeout", o.greeting_timeout,
                   "Wait for a server's 220 greeting (default 5m)");
  serve.add_flag("--log-smtp-transcript", o.log_transcript,
                 "Log every line of each outgoing SMTP dialogue (as Postfix's debug_peer_list)");
}

core::Result<queue::RetryPolicy> make_retry_policy(const DeliveryOptions& o) {
  queue::RetryPolicy policy;
  struct Field {
    const char* option;
    const std::string& text;
    std::chrono::milliseconds& target;
  };
  for (const Field& f : {Field{"--retry-base", o.retry_base, policy.base},
                         Field{"--retry-max", o.retry_max, policy.max},
                         Field{"--queue-lifetime", o.queue_lifetime, policy.lifetime},
                         Field{"--delay-warning", o.delay_warning, policy.delay_warning}}) {
    auto d = parse_duration(f.text);
    if (!d) return core::fail(fmt::format("{} {}", f.option, d.error().message));
    f.target = *d;
  }
  if (policy.base.count() <= 0) return core::fail("--retry-base must be more than 0");
  if (policy.max < policy.base) return core::fail("--retry-max must be at least --retry-base");
  return policy;
}

core::Result<delivery::RemoteCourierOptions> make_remote_courier_options(
    const DeliveryOptions& o, const ResolverOptions& resolver, const std::string& hostname,
    const std::vector<std::string>& listen, std::function<void(std::string_view)> log) {
  delivery::RemoteCourierOptions options;
  auto config = make_resolver_config(resolver);
  if (!config) return tl::unexpected(config.error());
  options.resolver = std::move(*config);
  auto& c = options.courier;
  c.smtp_port = o.smtp_port;
  c.connection.client.helo_name = hostname;
  c.connection.tls = delivery::make_client_tls_context();
  struct Field {
    const char* option;
    const std::string& text;
    std::chrono::milliseconds& target;
  };
  auto& t = c.connection.timeouts;
  for (const Field& f : {Field{"--connect-timeout", o.connect_timeout, t.connect},
                         Field{"--greeting-timeout", o.greeting_timeout, t.greeting},
                         Field{"command_timeout", o.command_timeout, t.command},
                         Field{"data_init_timeout", o.data_init_timeout, t.data_init},
                         Field{"data_block_timeout", o.data_block_timeout, t.data_block},
                         Field{"data_end_timeout", o.data_end_timeout, t.data_end}}) {
    auto d = parse_duration(f.text);
    if (!d) return core::fail(fmt::format("{} {}", f.option, d.error().message));
    if (d->count() <= 0) return core::fail(fmt::format("{} must be more than 0", f.option));
    f.target = *d;
  }
  for (const auto& text : o.routes) {
    auto route = delivery::parse_route(text, o.smtp_port);
    if (!route) return core::fail(fmt::format("--route {}", route.error().message));
    c.routes.insert(std::move(*route));
  }
  if (!o.relayhost.empty()) {
    auto relay = delivery::parse_relay(o.relayhost, o.smtp_port);
    if (!relay) return core::fail(fmt::format("--relayhost {}", relay.error().message));
    c.relayhost = *relay;
  }
  // RFC 5321 §5.1: this MTA must recognise itself in an MX list, by name or address.
  std::vector<std::string> self = o.self;
  if (self.empty()) {
    self.push_back(hostname);
    for (const auto& l : listen) {
      std::string host =
          l.starts_with('[') ? l.substr(1, l.find(']') - 1) : l.substr(0, l.rfind(':'));
      if (auto a = routing::parse_address(host); a && host != "0.0.0.0" && host != "::")
        self.push_back(host);
    }
  }
  for (const auto& s : self) {
    if (auto a = routing::parse_address(s)) {
      c.routing.self_addresses.push_back(*a);
      continue;
    }
    auto name = dns::Name::from_text(s.ends_with('.') ? s : s + ".");
    if (!name) return core::fail(fmt::format("--self {}: neither an IP address nor a name", s));
    c.routing.self_names.push_back(*name);
  }
  c.log_outcomes = false;  // the queue runner logs each recipient's result
  c.log_transcript = o.log_transcript;
  c.log = std::move(log);
  options.seed = std::random_device{}();
  return options;
}

core::Result<std::unique_ptr<delivery::RemoteCourier>> make_remote_courier(
    const DeliveryOptions& o, const ResolverOptions& resolver, const std::string& hostname,
    const std::vector<std::string>& listen, std::function<void(std::string_view)> log) {
  auto options = make_remote_courier_options(o, resolver, hostname, listen, std::move(log));
  if (!options) return tl::unexpected(options.error());
  return std::make_unique<delivery::RemoteCourier>(std::move(*options));
}

}  // namespace mxkit::cli
