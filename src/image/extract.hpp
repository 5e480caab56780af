// SPDX-License-Identifier: Apache-2.0
#pragma once
// Extracting untrusted tar archives (and OCI layers) into an image directory. libarchive only
// reads: every file, directory, link and removal is done here, through directory fds resolved
// with openat2(RESOLVE_IN_ROOT) from the image root, so no entry, symlink or hard link can name
// anything outside it.

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include <sys/types.h>

namespace sandbox::image {

struct ExtractStats {
  std::uint64_t entries = 0;
  std::uint64_t devices = 0;  // character and block devices: skipped
  std::uint64_t fifos = 0;    // skipped
  std::uint64_t sockets = 0;  // skipped
  std::uint64_t absolute = 0; // names whose leading '/' was stripped
  std::uint64_t whiteouts = 0;
  std::uint64_t foreign_owners = 0; // kept owners: entries whose uid or gid was beyond the map
};

// What to do with the archive's owners (numeric uid and gid; names are ignored).
struct OwnerPolicy {
  // false: no chown, every file belongs to whoever extracts. true: each directory, file and
  // symlink the archive names is chown'd to its ids (the extractor must be able to: root of a
  // user namespace that maps them), an id above max_uid/max_gid becoming 0.
  bool keep = false;
  std::uint32_t max_uid = 0;
  std::uint32_t max_gid = 0;
};

class Extractor {
public:
  // `root` is the image root (an O_DIRECTORY fd, kept open by the caller); `shown` names it in
  // errors. `interrupted` is polled between entries and blocks.
  Extractor(int root, std::string shown, const std::atomic<bool> *interrupted = nullptr,
            OwnerPolicy owners = {});

  // Reads the archive on `fd` (tar; gzip, bzip2, xz, lzma, zstd, lz4 or compress, detected)
  // into the root. `layer`: OCI whiteouts apply to what earlier calls extracted. Returns
  // libarchive's names for the compression and the format ("gzip", "GNU tar format").
  std::string apply(int fd, const std::string &shown_archive, bool layer);

  // Gives directories their owners (with OwnerPolicy::keep), modes (always at least u+rx) and
  // times from the archive, now that nothing more is written into them.
  void finish();

  [[nodiscard]] const ExtractStats &stats() const { return m_stats; }

private:
  struct DirMeta {
    dev_t dev = 0;
    ino_t ino = 0;
    mode_t mode = 0755;
    std::int64_t mtime_sec = 0;
    long mtime_nsec = 0;
    uid_t uid = 0;
    gid_t gid = 0;
  };

  int m_root;
  std::string m_shown;
  const std::atomic<bool> *m_interrupted;
  OwnerPolicy m_owners;
  ExtractStats m_stats;
  std::map<std::string, DirMeta> m_dirs; // by entry path
  std::set<std::string> m_layer_paths;   // this layer's entries and their parents

  friend class EntryWriter;
};

} // namespace sandbox::image
