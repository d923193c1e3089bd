// The delivering side of `mxkit serve` (issue 9): its options (--smtp-port, --self, --route,
// --relayhost, the retry schedule and timeouts) and the remote courier they make.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/resolver_options.hpp"
#include "core/result.hpp"
#include "delivery/remote_courier.hpp"
#include "queue/scheduler.hpp"

namespace mxkit::cli {

struct DeliveryOptions {
  std::uint16_t smtp_port = 25;
  std::vector<std::string> self;    // NAME|IP; default: --hostname and the listen addresses
  std::vector<std::string> routes;  // DOMAIN=HOST[:PORT]
  std::string relayhost;            // HOST[:PORT]
  std::string retry_base = "5m", retry_max = "1h", queue_lifetime = "5d", delay_warning = "4h";
  std::string connect_timeout = "30s", greeting_timeout = "5m";
  // The other RFC 5321 §4.5.3.2 timeouts, TOML only.
  std::string command_timeout = "5m", data_init_timeout = "2m", data_block_timeout = "3m",
              data_end_timeout = "10m";
  bool log_transcript = false;  // every line of outgoing SMTP dialogues in the log
};

// "250ms", "30s", "5m", "4h", "5d" (a bare number is seconds); errors name the text.
core::Result<std::chrono::milliseconds> parse_duration(std::string_view text);

void add_delivery_options(CLI::App& serve, DeliveryOptions& options);

core::Result<queue::RetryPolicy> make_retry_policy(const DeliveryOptions& options);

// The remote courier's settings, every option checked (resolver, --self, --route, --relayhost,
// timeouts) without starting anything: `serve --check-config` stops here.
// `hostname` is the EHLO name; `listen` the SMTP listen addresses (default --self).
core::Result<delivery::RemoteCourierOptions> make_remote_courier_options(
    const DeliveryOptions& options, const ResolverOptions& resolver, const std::string& hostname,
    const std::vector<std::string>& listen, std::function<void(std::string_view)> log);

// The courier for remote recipients, with its own resolver (one cache for every delivery) and
// its thread, from make_remote_courier_options.
core::Result<std::unique_ptr<delivery::RemoteCourier>> make_remote_courier(
    const DeliveryOptions& options, const ResolverOptions& resolver, const std::string& hostname,
    const std::vector<std::string>& listen, std::function<void(std::string_view)> log);

}  // namespace mxkit::cli
