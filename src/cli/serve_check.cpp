// `mxkit serve --check-config`, as nsd-checkconf and `postfix check` do for theirs.
#include "cli/serve_check.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include "auth/ixfr.hpp"

namespace mxkit::cli {

namespace {

std::string endpoint_text(const auth::ListenAddress& a) {
  return a.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", a.host, a.port)
                                               : fmt::format("{}:{}", a.host, a.port);
}

std::string prefix_text(const auth::AddressPrefix& p) {
  std::string address;
  if (p.v6) {
    asio::ip::address_v6::bytes_type bytes;
    std::copy(p.bytes.begin(), p.bytes.end(), bytes.begin());
    address = asio::ip::address_v6(bytes).to_string();
  } else {
    address = asio::ip::address_v4({p.bytes[0], p.bytes[1], p.bytes[2], p.bytes[3]}).to_string();
  }
  return fmt::format("{}/{}", address, p.length);
}

}  // namespace

namespace {

// The DNS role: prints into `out`, errors to stderr; returns the number of errors.
int check_dns(const auth::ServerOptions& options, const std::vector<auth::ZoneSource>& zones,
              std::string& out) {
  for (const auto& a : options.listen)
    out += fmt::format("listen {} (UDP and TCP)\n", endpoint_text(a));
  int errors = 0;
  for (const auto& source : zones) {
    // The zone as `serve` loads it: a primary's file, or the copy a secondary kept.
    auth::ZoneSource as_file = source;
    as_file.primaries.clear();
    std::string primaries;
    for (const auto& p : source.primaries)
      primaries += fmt::format("{}{}", primaries.empty() ? "" : ", ", endpoint_text(p));
    std::error_code ec;
    const bool has_file = !source.file.empty() && std::filesystem::exists(source.file, ec);
    std::string line = fmt::format("zone {}: ", source.origin.to_text());
    line += source.primaries.empty() ? fmt::format("primary, file {}", source.file.string())
                                     : fmt::format("secondary of {}", primaries);
    if (!source.primaries.empty() && !has_file) {
      out +=
          line + (source.file.empty() ? ", no copy kept\n"
                                      : fmt::format(", no copy yet at {}\n", source.file.string()));
      continue;
    }
    auto loaded = auth::load_zones({as_file});
    if (!loaded) {
      std::fprintf(stderr, "mxkit serve: %s\n", loaded.error().message.c_str());
      ++errors;
      continue;
    }
    const auto& zone = *(*loaded)->zones().front();
    if (!source.primaries.empty()) line += fmt::format(", copy {}", source.file.string());
    if (source.key) line += fmt::format(", key {}", source.key->name.to_text());
    out +=
        fmt::format("{}, serial {}, {} names\n", line, auth::zone_serial(zone), zone.node_count());
  }
  out += fmt::format("workers {}; max UDP payload {}; rate limit {}\n", options.workers,
                     options.answer.max_udp_payload,
                     options.rate_limit.responses_per_second == 0
                         ? std::string("off")
                         : fmt::format("{}/s", options.rate_limit.responses_per_second));
  std::string allow;
  for (const auto& p : options.transfer_allow)
    allow += fmt::format("{}{}", allow.empty() ? "" : ", ", prefix_text(p));
  out += fmt::format("transfers allowed to: {}\n", allow.empty() ? "nobody" : allow);
  std::string keys;  // names and algorithms; never the secrets
  for (const auto& k : options.tsig_keys)
    keys += fmt::format("{}{} ({})", keys.empty() ? "" : ", ", k.name.to_text(),
                        dns::tsig_algorithm_text(k.algorithm));
  if (!keys.empty()) out += fmt::format("TSIG keys: {}\n", keys);
  std::string notify;
  for (const auto& n : options.notify)
    notify += fmt::format("{}{}", notify.empty() ? "" : ", ", endpoint_text({n.host, n.port}));
  if (!notify.empty()) out += fmt::format("NOTIFY sent to: {}\n", notify);
  return errors;
}

}  // namespace

int check_serve_config(const auth::ServerOptions* dns, const std::vector<auth::ZoneSource>* zones,
                       const MailOptions* mail) {
  std::string out;
  int errors = 0;
  if (dns != nullptr && zones != nullptr) errors += check_dns(*dns, *zones, out);
  if (mail != nullptr) {
    auto summary = check_mail_options(*mail);
    if (summary) {
      out += *summary;
    } else {
      std::fprintf(stderr, "mxkit serve: %s\n", summary.error().message.c_str());
      ++errors;
    }
  }
  std::fputs(out.c_str(), stdout);
  if (errors > 0) {
    std::fprintf(stderr, "mxkit serve: the configuration has %d error%s\n", errors,
                 errors == 1 ? "" : "s");
    return 1;
  }
  std::fputs("configuration OK\n", stdout);
  return 0;
}

}  // namespace mxkit::cli
