// Which files a loaded zone came from, as they were when read, so that a reload (SIGHUP) reads
// again only the zones whose files changed and shares the others with the set it replaces:
// with 100,000 zones a reload after one edit costs one file, not 100,000, and holds the old and
// new sets in memory for the changed zone only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "auth/zone.hpp"

namespace mxkit::auth {

// A file as stat(2) saw it. A change of size, modification time or inode (an editor that
// writes a new file and renames it over the old) is a change; same size and mtime to the
// nanosecond in place is not, as for NSD's and Knot's reloads.
struct FileStamp {
  std::string path;
  std::uint64_t size = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// The stamp of `path` now; an unreadable or missing file gets a stamp that matches nothing.
FileStamp stamp_file(const std::filesystem::path& path);

// A zone read from files: the main file first, then any $INCLUDEd ones.
struct LoadedZone {
  std::shared_ptr<const Zone> zone;  // nullptr: nothing loaded (a secondary)
  std::vector<FileStamp> files;
};

// True when every file the zone was read from still has the stamp it had.
bool files_unchanged(const LoadedZone& loaded);

// The stamps of the files besides `main` whose records are in `table` ($INCLUDE), appended.
void stamp_included_files(const dns::zone::RecordTable& table, const std::string& main,
                          std::vector<FileStamp>& stamps);

}  // namespace mxkit::auth
