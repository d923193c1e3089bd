// The little internet `mxkit demo` builds on loopback, every server a child `mxkit serve`:
//
//   127.0.0.2  the root "."            127.0.1.1  mail1.example.test (MX 10), receiving MTA
//   127.0.0.3  the TLD "test."         127.0.1.2  mail2.example.test (MX 20), receiving MTA
//   127.0.0.4  example.test, sender.test and nullmx.test (their name server)
//   127.0.0.1  mx.sender.test: the sending MTA, resolving iteratively from the root
//
// One free DNS port serves all the name servers and one free SMTP port all the MTAs, since
// the sending MTA connects to every MX on the one port its --smtp-port names (as Postfix's
// smtp_tcp_port). Nothing needs root and nothing touches port 53 or 25.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/demo_process.hpp"
#include "core/result.hpp"

namespace mxkit::cli::demo {

inline constexpr const char* kRootAddress = "127.0.0.2";
inline constexpr const char* kTldAddress = "127.0.0.3";
inline constexpr const char* kNsAddress = "127.0.0.4";
inline constexpr const char* kMail1Address = "127.0.1.1";
inline constexpr const char* kMail2Address = "127.0.1.2";
inline constexpr const char* kSenderAddress = "127.0.0.1";
inline constexpr const char* kRecipient = "john.doe@example.test";
inline constexpr const char* kSender = "alice@sender.test";
inline constexpr const char* kNullMxRecipient = "someone@nullmx.test";

// A server role of the internet, by name: "root", "tld", "ns", "mail1", "mail2", "sender".
class Internet {
 public:
  Internet(std::string mxkit, std::filesystem::path dir);
  ~Internet() { stop_all(); }
  Internet(const Internet&) = delete;
  Internet& operator=(const Internet&) = delete;

  core::Result<void> pick_ports();
  std::uint16_t dns_port() const { return dns_port_; }
  std::uint16_t smtp_port() const { return smtp_port_; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::string& mxkit() const { return mxkit_; }

  // The zones and the root hints under DIR/zones; example.test's MX preferences as given.
  core::Result<void> write_zones(int mail1_preference, int mail2_preference);
  std::filesystem::path zone_file(const std::string& origin) const;
  std::filesystem::path hints() const { return dir_ / "zones" / "root.hints"; }
  // --root-hints FILE --dns-port N: how any resolving command finds this internet's root.
  std::vector<std::string> resolving() const;

  // Starts a role and waits until it listens; the command lines are the ones shown.
  core::Result<void> start(const std::string& role);
  void stop(const std::string& role);
  bool running(const std::string& role);
  core::Result<void> reload(const std::string& role);  // SIGHUP
  std::vector<std::string> command(const std::string& role) const;
  std::filesystem::path log(const std::string& role) const {
    return dir_ / "logs" / (role + ".log");
  }
  std::string address(const std::string& role) const;
  std::vector<pid_t> pids();

  // The Maildir of a mailbox on an MTA role ("mail2", "john.doe@example.test").
  std::filesystem::path maildir(const std::string& role, const std::string& mailbox) const;

  // Stops every child by its PID, the MTAs first; returns how many were running.
  std::size_t stop_all();

 private:
  std::string mxkit_;
  std::filesystem::path dir_;
  std::uint16_t dns_port_ = 0;
  std::uint16_t smtp_port_ = 0;
  std::map<std::string, Child> children_;
};

}  // namespace mxkit::cli::demo
