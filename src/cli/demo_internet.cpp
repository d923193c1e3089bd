// The demo's zones, name servers and MTAs as child `mxkit serve` processes.
#include "cli/demo_internet.hpp"

#include <csignal>

#include "cli/demo_network.hpp"

namespace mxkit::cli::demo {

namespace {

const std::vector<std::string> kDnsRoles = {"root", "tld", "ns"};
const std::vector<std::string> kMtaRoles = {"sender", "mail1", "mail2"};

// The SOA of every zone here: serial, then refresh, retry, expire and the negative TTL.
std::string soa(const std::string& ns, const std::string& serial) {
  return "@ SOA " + ns + " hostmaster " + serial + " 7200 900 1209600 300\n";
}

}  // namespace

Internet::Internet(std::string mxkit, std::filesystem::path dir)
    : mxkit_(std::move(mxkit)), dir_(std::move(dir)) {}

core::Result<void> Internet::pick_ports() {
  auto dns = free_port({kRootAddress, kTldAddress, kNsAddress}, true);
  if (!dns) return tl::unexpected(dns.error());
  auto smtp = free_port({kMail1Address, kMail2Address, kSenderAddress}, false);
  if (!smtp) return tl::unexpected(smtp.error());
  dns_port_ = *dns;
  smtp_port_ = *smtp;
  return {};
}

std::filesystem::path Internet::zone_file(const std::string& origin) const {
  return dir_ / "zones" / (origin == "." ? std::string("root.zone") : origin + "zone");
}

core::Result<void> Internet::write_zones(int mail1_preference, int mail2_preference) {
  std::error_code ec;
  std::filesystem::create_directories(dir_ / "zones", ec);
  std::filesystem::create_directories(dir_ / "logs", ec);
  if (ec) return core::fail((dir_ / "zones").string() + ": " + ec.message());
  // Each change of example.test gets a higher serial, as an operator's edit would.
  static int serial = 0;
  const std::string example_serial = std::to_string(2026120500 + ++serial);
  const std::string ns = kNsAddress;
  const std::vector<std::pair<std::string, std::string>> zones = {
      {".",
       "$TTL 86400\n"
       ". SOA a.root.test. hostmaster.root.test. 1 7200 900 1209600 86400\n"
       ". NS a.root.test.\n"
       "test. NS ns.nic.test.\n"
       "ns.nic.test. A " +
           std::string(kTldAddress) +
           "\n"
           "a.root.test. A " +
           std::string(kRootAddress) + "\n"},
      {"test.", "$ORIGIN test.\n$TTL 86400\n" + soa("ns.nic", "1") +
                    "@ NS ns.nic\n"
                    "ns.nic A " +
                    std::string(kTldAddress) +
                    "\n"
                    "a.root A " +
                    std::string(kRootAddress) +
                    "\n"
                    "; delegations, each with the glue address of its name server\n"
                    "example NS ns1.example\nns1.example A " +
                    ns +
                    "\n"
                    "sender NS ns1.sender\nns1.sender A " +
                    ns +
                    "\n"
                    "nullmx NS ns1.nullmx\nns1.nullmx A " +
                    ns + "\n"},
      {"example.test.", "$ORIGIN example.test.\n$TTL 3600\n" + soa("ns1", example_serial) +
                            "@ NS ns1\n"
                            "@ MX " +
                            std::to_string(mail1_preference) +
                            " mail1\n"
                            "@ MX " +
                            std::to_string(mail2_preference) +
                            " mail2\n"
                            "ns1 A " +
                            ns +
                            "\n"
                            "mail1 A " +
                            std::string(kMail1Address) +
                            "\n"
                            "mail2 A " +
                            std::string(kMail2Address) + "\n"},
      {"sender.test.", "$ORIGIN sender.test.\n$TTL 3600\n" + soa("ns1", "1") +
                           "@ NS ns1\n@ MX 10 mx\n"
                           "ns1 A " +
                           ns +
                           "\n"
                           "mx A " +
                           std::string(kSenderAddress) + "\n"},
      {"nullmx.test.", "$ORIGIN nullmx.test.\n$TTL 3600\n" + soa("ns1", "1") +
                           "@ NS ns1\n"
                           "; RFC 7505: this domain takes no mail at all\n"
                           "@ MX 0 .\n"
                           "ns1 A " +
                           ns + "\n"},
  };
  for (const auto& [origin, text] : zones) {
    if (auto written = write_file(zone_file(origin), text); !written) return written;
  }
  return write_file(hints(), ". 3600000 NS a.root.test.\na.root.test. 3600000 A " +
                                 std::string(kRootAddress) + "\n");
}

std::vector<std::string> Internet::resolving() const {
  return {"--root-hints", hints().string(), "--dns-port", std::to_string(dns_port_)};
}

std::string Internet::address(const std::string& role) const {
  if (role == "root") return kRootAddress;
  if (role == "tld") return kTldAddress;
  if (role == "ns") return kNsAddress;
  if (role == "mail1") return kMail1Address;
  if (role == "mail2") return kMail2Address;
  return kSenderAddress;
}

std::vector<std::string> Internet::command(const std::string& role) const {
  const std::string dns_listen = address(role) + ":" + std::to_string(dns_port_);
  if (role == "root")
    return {mxkit_, "serve", "--dns-listen", dns_listen, "--zone", ".=" + zone_file(".").string()};
  if (role == "tld")
    return {mxkit_,     "serve",  "--dns-listen",
            dns_listen, "--zone", "test.=" + zone_file("test.").string()};
  if (role == "ns") {
    std::vector<std::string> argv = {mxkit_, "serve", "--dns-listen", dns_listen};
    for (const char* origin : {"example.test.", "sender.test.", "nullmx.test."})
      for (const auto& a :
           {std::string("--zone"), std::string(origin) + "=" + zone_file(origin).string()})
        argv.push_back(a);
    return argv;
  }
  const std::filesystem::path home = dir_ / role;
  const bool sender = role == "sender";
  std::vector<std::string> argv = {
      mxkit_,           "serve",
      "--smtp-listen",  address(role) + ":" + std::to_string(smtp_port_),
      "--hostname",     sender ? std::string("mx.sender.test") : role + ".example.test",
      "--spool",        (home / "spool").string(),
      "--local-domain", sender ? "sender.test" : "example.test",
      "--mailbox",      sender ? kSender : kRecipient,
      "--maildir-root", (home / "Maildir").string()};
  // mail1 and mail2 are exchangers for example.test only: relaying for nobody, so the closing
  // `mxkit check` (which probes from loopback) finds them closed to relaying.
  if (!sender) {
    argv.push_back("--relay-from");
    argv.push_back("none");
  }
  if (sender) {
    // Resolves from the demo's root, connects to every MX on the demo's SMTP port, and retries
    // a deferred message after a second rather than minutes.
    for (const auto& a : resolving()) argv.push_back(a);
    // Its log shows each outgoing SMTP dialogue, which the failover step prints.
    for (const auto& a : {std::string("--smtp-port"), std::to_string(smtp_port_),
                          std::string("--retry-base"), std::string("1s"),
                          std::string("--log-smtp-transcript")})
      argv.push_back(a);
  }
  return argv;
}

core::Result<void> Internet::start(const std::string& role) {
  stop(role);
  std::error_code ec;
  std::filesystem::create_directories(dir_ / "logs", ec);
  if (role != "root" && role != "tld" && role != "ns")
    std::filesystem::create_directories(dir_ / role, ec);
  if (ec) return core::fail((dir_ / role).string() + ": " + ec.message());
  auto child = Child::spawn(command(role), log(role));
  if (!child) return tl::unexpected(child.error());
  auto [it, inserted] = children_.insert_or_assign(role, std::move(*child));
  (void)inserted;
  const std::uint16_t port =
      (role == "root" || role == "tld" || role == "ns") ? dns_port_ : smtp_port_;
  return wait_listening(it->second, address(role), port, std::chrono::milliseconds(10000));
}

void Internet::stop(const std::string& role) {
  auto it = children_.find(role);
  if (it == children_.end()) return;
  it->second.stop();
  children_.erase(it);
}

bool Internet::running(const std::string& role) {
  auto it = children_.find(role);
  return it != children_.end() && it->second.running();
}

core::Result<void> Internet::reload(const std::string& role) {
  if (!running(role)) return core::fail("the " + role + " server is not running");
  children_.at(role).signal(SIGHUP);
  return {};
}

std::vector<pid_t> Internet::pids() {
  std::vector<pid_t> out;
  for (auto& [role, child] : children_)
    if (child.running()) out.push_back(child.pid());
  return out;
}

std::filesystem::path Internet::maildir(const std::string& role, const std::string& mailbox) const {
  // issue 8: the mailbox local@domain is MAILDIR_ROOT/domain/local/ (tmp/ new/ cur/).
  const auto at = mailbox.find('@');
  return dir_ / role / "Maildir" / mailbox.substr(at + 1) / mailbox.substr(0, at);
}

std::size_t Internet::stop_all() {
  std::size_t stopped = 0;
  for (const auto* roles : {&kMtaRoles, &kDnsRoles}) {
    for (const auto& role : *roles) {
      if (running(role)) ++stopped;
      stop(role);
    }
  }
  children_.clear();
  return stopped;
}

}  // namespace mxkit::cli::demo
