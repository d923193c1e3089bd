// The IXFR journals of the zones a server holds: read at start, added to at every change of a
// zone, and read to answer IXFR. Any thread may call it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/ixfr.hpp"
#include "auth/journal.hpp"
#include "auth/query.hpp"
#include "auth/zone.hpp"
#include "dns/name.hpp"

namespace mxkit::auth {

class ZoneJournals {
 public:
  using Log = std::function<void(const std::string&)>;
  ZoneJournals(JournalLimits limits, Log log) : limits_(limits), log_(std::move(log)) {}

  // Reads the zone's journal from `file` (empty: kept in memory only). One that does not end
  // at the serial of `zone` (the zone loaded at start, or nullptr) is discarded with a log line.
  void open(const dns::Name& origin, const std::filesystem::path& file, const Zone* zone);
  // Adds the change from `before` to `after`: `changes` when they came by IXFR, else the
  // difference of the two zones. A serial that did not go forward (RFC 1982) empties it.
  void record(const Zone& before, const Zone& after, std::vector<ZoneDiff> changes);
  // The response to an IXFR for `zone` (RFC 1995 §4), from its journal when it can answer.
  IxfrResponse ixfr(const Zone& zone, const Query& q, std::uint32_t client_serial, bool udp,
                    std::size_t max);

 private:
  struct State {
    // Made at the zone's first change: an empty std::deque costs some 600 octets, and most of
    // 100,000 hosted zones never change while the server runs.
    std::unique_ptr<Journal> journal;
    std::string file;  // not a std::filesystem::path: its list of components costs ~300 octets
    Journal& get(JournalLimits limits) {
      if (!journal) journal = std::make_unique<Journal>(limits);
      return *journal;
    }
  };
  JournalLimits limits_;
  Log log_;
  std::mutex mutex_;
  std::map<std::string, State> zones_;  // by lower-cased origin
};

}  // namespace mxkit::auth
