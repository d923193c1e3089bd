// The journals of all zones: start-up checks, recording changes (memory and file), IXFR.
#include "auth/zone_journals.hpp"

#include <chrono>
#include <system_error>

#include <fmt/format.h>

namespace mxkit::auth {

// A journal that does not end at the loaded zone's serial is discarded: the zone changed while
// we were down, or the file belongs to another zone.
void ZoneJournals::open(const dns::Name& origin, const std::filesystem::path& file,
                        const Zone* zone) {
  State state{Journal(limits_), file};
  if (!state.file.empty()) {
    auto read = read_journal_file(state.file);
    if (!read) {
      log_(read.error().message);
    } else {
      if (!read->warning.empty())
        log_(fmt::format("journal {}: {}; cut there", state.file.string(), read->warning));
      if (!read->changes.empty() && (!zone || read->changes.back().to() != zone_serial(*zone))) {
        log_(fmt::format("journal {} ends at serial {}, the zone is at {}: discarded",
                         state.file.string(), read->changes.back().to(),
                         zone ? std::to_string(zone_serial(*zone)) : "nothing"));
        std::error_code ec;
        std::filesystem::remove(state.file, ec);
      } else {
        for (auto& change : read->changes) state.journal.append(std::move(change));
        if (!read->changes.empty())
          log_(fmt::format("journal of {}: {} changes, serials {} to {}", origin.to_text(),
                           state.journal.changes().size(), state.journal.changes().front().from(),
                           state.journal.changes().back().to()));
      }
    }
  }
  std::lock_guard lock(mutex_);
  zones_.insert_or_assign(origin.lowercase().to_text(), std::move(state));
}

// Clients older than an emptied journal get the whole zone. The file grows by appending; it is
// rewritten whole when old changes were dropped.
void ZoneJournals::record(const Zone& before, const Zone& after, std::vector<ZoneDiff> changes) {
  const auto started = std::chrono::steady_clock::now();
  const std::uint32_t from = zone_serial(before), to = zone_serial(after);
  std::lock_guard lock(mutex_);
  auto it = zones_.find(after.origin().lowercase().to_text());
  if (it == zones_.end()) return;
  State& state = it->second;
  if (!serial_newer(to, from)) {
    log_(fmt::format("zone {}: serial {} is not newer than {} (RFC 1982); journal emptied",
                     after.origin().to_text(), to, from));
    state.journal.clear();
    if (!state.file.empty()) {
      std::error_code ec;
      std::filesystem::remove(state.file, ec);
    }
    return;
  }
  if (changes.empty()) changes.push_back(diff_zones(before, after));
  std::size_t dropped = 0, records = 0;
  const std::size_t count = changes.size();
  for (auto& change : changes) {
    records += change.record_count() - 2;
    dropped += state.journal.append(std::move(change));
  }
  if (!state.file.empty()) {
    core::Result<void> written;
    if (dropped > 0 || state.journal.changes().size() <= count) {
      written = write_journal_file(state.file, state.journal);
    } else {
      for (std::size_t i = state.journal.changes().size() - count;
           i < state.journal.changes().size() && written; ++i)
        written = append_journal_file(state.file, state.journal.changes()[i]);
    }
    if (!written) log_(written.error().message);
  }
  const std::size_t kept = state.journal.changes().size();
  log_(fmt::format("journal of {}: serial {} → {}, {} record{} changed ({} ms); {} change{} kept",
                   after.origin().to_text(), from, to, records, records == 1 ? "" : "s",
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count(),
                   kept, kept == 1 ? "" : "s"));
}

IxfrResponse ZoneJournals::ixfr(const Zone& zone, const Query& q, std::uint32_t client_serial,
                                bool udp, std::size_t max) {
  std::lock_guard lock(mutex_);
  std::vector<const ZoneDiff*> chain;
  if (auto it = zones_.find(zone.origin().lowercase().to_text()); it != zones_.end())
    chain = it->second.journal.chain(client_serial, zone_serial(zone));
  return ixfr_response(zone, q, client_serial, chain, udp, max);
}

}  // namespace mxkit::auth
