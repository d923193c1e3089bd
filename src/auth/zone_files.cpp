// File stamps for reload-what-changed.
#include "auth/zone_files.hpp"

#include <sys/stat.h>

namespace mxkit::auth {

FileStamp stamp_file(const std::filesystem::path& path) {
  FileStamp stamp;
  stamp.path = path.string();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    stamp.mtime_ns = -1;  // never equal to a readable file's, nor to itself once it exists
    return stamp;
  }
  stamp.size = static_cast<std::uint64_t>(st.st_size);
  stamp.inode = static_cast<std::uint64_t>(st.st_ino);
  stamp.device = static_cast<std::uint64_t>(st.st_dev);
  stamp.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return stamp;
}

bool files_unchanged(const LoadedZone& loaded) {
  if (!loaded.zone || loaded.files.empty()) return false;
  for (const auto& file : loaded.files) {
    if (file.mtime_ns < 0) return false;
    if (!(stamp_file(file.path) == file)) return false;
  }
  return true;
}

void stamp_included_files(const dns::zone::RecordTable& table, const std::string& main,
                          std::vector<FileStamp>& stamps) {
  for (const auto& file : table.files())
    if (file != main) stamps.push_back(stamp_file(file));
}

}  // namespace mxkit::auth
