// SPDX-License-Identifier: Apache-2.0
#include "image/extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <new>
#include <tuple>
#include <utility>
#include <vector>

#include "image/entry_path.hpp"
#include "image/tree.hpp"
#include "sys/fd.hpp"
#include "util/error.hpp"

namespace sandbox::image {

namespace {

constexpr const char *k_corrupt_hint =
    "the file is damaged, truncated or not a tar archive (sandbox image import reads tar, "
    "optionally compressed, OCI image layouts and `docker save` archives)";
constexpr const char *k_malicious_hint =
    "the archive is malformed or malicious; nothing was imported";

using ArchivePtr = std::unique_ptr<archive, int (*)(archive *)>;

[[noreturn]] void archive_fail(archive *a, const std::string &what) {
  const char *msg = archive_error_string(a);
  throw Error::message(what + ": " + (msg ? msg : "unknown libarchive error"), k_corrupt_hint);
}

std::string join(const std::vector<std::string> &parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0)
      out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

std::string child_path(const std::string &dir, const std::string &name) {
  return dir == "." ? name : dir + "/" + name;
}

const char *or_utf8(const char *plain, const char *utf8) {
  return plain ? plain : utf8;
}

void write_all(int fd, const char *data, size_t size, std::int64_t offset,
               const std::string &shown) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw Error::from_errno(errno, "write", shown);
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
}

} // namespace

// One archive's entries, written into the extractor's root.
class EntryWriter {
public:
  EntryWriter(Extractor &x, archive *a, bool layer) : m_x(x), m_a(a), m_layer(layer) {}

  void entry(archive_entry *e, const std::string &raw_name) {
    auto path = parse_entry_path(raw_name);
    if (!path)
      throw Error::message("the name leaves the image (a \"..\" component)", k_malicious_hint);
    ++m_x.m_stats.entries;
    if (path->absolute)
      ++m_x.m_stats.absolute;
    const auto &parts = path->parts;
    const char *hardlink = or_utf8(archive_entry_hardlink(e), archive_entry_hardlink_utf8(e));
    const mode_t type = archive_entry_filetype(e);

    if (m_layer && !parts.empty() && whiteout(*path))
      return;
    if (parts.empty()) {
      if (type != AE_IFDIR || hardlink)
        throw Error::message("the entry names the image root but is not a directory",
                             k_malicious_hint);
      record_dir(m_x.m_root, ".", ".", e);
      return;
    }
    if (!hardlink) {
      if (type == AE_IFCHR || type == AE_IFBLK) {
        ++m_x.m_stats.devices;
        return;
      }
      if (type == AE_IFIFO) {
        ++m_x.m_stats.fifos;
        return;
      }
      if (type == AE_IFSOCK) {
        ++m_x.m_stats.sockets;
        return;
      }
    }
    note_layer_path(parts, parts.size());
    const std::string rel = path->str();
    auto parent = ensure_dir(parts, parts.size() - 1);
    const std::string &name = path->name();
    if (hardlink)
      return hard_link(parent.get(), name, rel, hardlink);
    switch (type) {
    case AE_IFDIR:
      if (!replace_existing(parent.get(), name, rel, true) &&
          mkdirat(parent.get(), name.c_str(), 0700) != 0)
        throw Error::from_errno(errno, "mkdir", rel);
      record_dir(parent.get(), name, rel, e);
      return;
    case AE_IFREG:
      replace_existing(parent.get(), name, rel, false);
      return regular_file(parent.get(), name, rel, e);
    case AE_IFLNK: {
      const char *target = or_utf8(archive_entry_symlink(e), archive_entry_symlink_utf8(e));
      if (!target)
        throw Error::message("a symlink without a target", k_malicious_hint);
      replace_existing(parent.get(), name, rel, false);
      // Stored as written: an absolute target is normal in a root filesystem, and resolves
      // inside the sandbox's root (and inside this image, for every later entry).
      if (symlinkat(target, parent.get(), name.c_str()) != 0)
        throw Error::from_errno(errno, "symlink", rel, target);
      if (m_x.m_owners.keep) {
        // The entry just made, by its name in the directory fd: never followed.
        const auto [uid, gid] = owner(e);
        if (fchownat(parent.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
          throw Error::from_errno(errno, "chown", rel);
      }
      set_times(parent.get(), name, e, AT_SYMLINK_NOFOLLOW);
      return;
    }
    default:
      throw Error::message("unsupported entry type " + std::to_string(type), k_malicious_hint);
    }
  }

private:
  // Handles OCI whiteouts; false when the entry is not one.
  bool whiteout(const EntryPath &path) {
    const Whiteout w = classify_whiteout(path.name());
    if (w.kind == WhiteoutKind::none)
      return false;
    if (w.kind == WhiteoutKind::invalid)
      throw Error::message("an invalid or reserved whiteout name", k_malicious_hint);
    ++m_x.m_stats.whiteouts;
    const auto &parts = path.parts;
    const std::string dir = path.parent();
    note_layer_path(parts, parts.size() - 1);
    if (w.kind == WhiteoutKind::opaque) {
      // The directory is in this layer; what the lower layers put in it is gone, what this
      // layer puts in it (before or after the marker) stays.
      auto parent = ensure_dir(parts, parts.size() - 1);
      auto fd = open_in_root_or_throw(m_x.m_root, dir, O_RDONLY | O_DIRECTORY, dir);
      clear_directory(fd.get(), dir, [&](const std::string &name) {
        return m_x.m_layer_paths.count(child_path(dir, name)) != 0;
      });
      return true;
    }
    const std::string target = child_path(dir, w.target);
    if (m_x.m_layer_paths.count(target) != 0)
      return true; // whiteouts hide the lower layers only
    int fd = open_in_root(m_x.m_root, dir, O_PATH | O_DIRECTORY);
    if (fd == -ENOENT || fd == -ENOTDIR)
      return true; // nothing there to delete
    if (fd < 0)
      throw Error::from_errno(-fd, "open", dir);
    sys::UniqueFd parent(fd);
    remove_tree_at(parent.get(), w.target, target);
    return true;
  }

  void note_layer_path(const std::vector<std::string> &parts, size_t count) {
    for (size_t i = 1; i <= count; ++i)
      m_x.m_layer_paths.insert(join(parts, i));
  }

  // The directory parts[0..count), resolved inside the root; missing components are created
  // (0755, as tar does). A symlink on the way resolves inside the root too.
  sys::UniqueFd ensure_dir(const std::vector<std::string> &parts, size_t count) {
    const std::string rel = join(parts, count);
    int fd = open_in_root(m_x.m_root, rel, O_PATH | O_DIRECTORY);
    if (fd >= 0)
      return sys::UniqueFd(fd);
    if (fd != -ENOENT)
      throw Error::from_errno(-fd, "open", rel).with_hint(k_malicious_hint);
    sys::UniqueFd cur(fcntl(m_x.m_root, F_DUPFD_CLOEXEC, 0));
    if (!cur)
      throw Error::from_errno(errno, "dup", m_x.m_shown);
    for (size_t i = 0; i < count; ++i) {
      const std::string prefix = join(parts, i + 1);
      fd = open_in_root(m_x.m_root, prefix, O_PATH | O_DIRECTORY);
      if (fd == -ENOENT) {
        if (mkdirat(cur.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST)
          throw Error::from_errno(errno, "mkdir", prefix);
        fd = open_in_root(m_x.m_root, prefix, O_PATH | O_DIRECTORY);
      }
      if (fd < 0)
        throw Error::from_errno(-fd, "open", prefix)
            .with_hint("a file or a symlink that leads nowhere stands where the archive puts a "
                       "directory; " +
                       std::string(k_malicious_hint));
      cur.reset(fd);
    }
    return cur;
  }

  // Clears the way for a new entry. True when a directory is there and the new entry is a
  // directory too (kept, with its contents, as tar does).
  static bool replace_existing(int parent, const std::string &name, const std::string &rel,
                               bool new_is_dir) {
    struct stat st {};
    if (fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT)
        return false;
      throw Error::from_errno(errno, "stat", rel);
    }
    if (S_ISDIR(st.st_mode)) {
      if (new_is_dir)
        return true;
      remove_tree_at(parent, name, rel);
      return false;
    }
    if (unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT)
      throw Error::from_errno(errno, "unlink", rel);
    return false;
  }

  void regular_file(int parent, const std::string &name, const std::string &rel, archive_entry *e) {
    sys::UniqueFd fd(
        openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd)
      throw Error::from_errno(errno, "create", rel);
    for (;;) {
      if (m_x.m_interrupted && m_x.m_interrupted->load())
        throw Error::message("interrupted");
      const void *buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int r = archive_read_data_block(m_a, &buf, &size, &offset);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        archive_fail(m_a, "read");
      write_all(fd.get(), static_cast<const char *>(buf), size, offset, rel);
    }
    if (archive_entry_size_is_set(e) && ftruncate(fd.get(), archive_entry_size(e)) != 0)
      throw Error::from_errno(errno, "truncate", rel);
    // Owner first: chown(2) clears setuid and setgid, which the chmod below sets.
    if (m_x.m_owners.keep) {
      const auto [uid, gid] = owner(e);
      if (fchown(fd.get(), uid, gid) != 0)
        throw Error::from_errno(errno, "chown", rel);
    }
    // The archive's mode, setuid and setgid included (the sandbox runs with no_new_privs on a
    // nosuid mount), but always readable by its owner.
    const mode_t mode = (archive_entry_perm(e) & 07777) | 0400;
    if (fchmod(fd.get(), mode) != 0)
      throw Error::from_errno(errno, "chmod", rel);
    struct timespec ts[2] = {mtime(e), mtime(e)};
    (void)futimens(fd.get(), ts); // times are nice to have, never a reason to fail
  }

  void hard_link(int parent, const std::string &name, const std::string &rel,
                 const char *target_name) {
    auto target = parse_entry_path(target_name);
    if (!target || target->parts.empty())
      throw Error::message("a hard link to \"" + std::string(target_name) +
                               "\", which is not a file in the image",
                           k_malicious_hint);
    const std::string target_rel = target->str();
    if (target_rel == rel)
      return; // a link to itself: already there
    // The target's directory must be reachable without any symlink: a hard link names an
    // earlier entry of the archive, as written.
    int fd = open_in_root(m_x.m_root, target->parent(), O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
    if (fd < 0)
      throw Error::from_errno(-fd, "link", rel, target_rel)
          .with_hint("a hard link must name an earlier file of the archive, by a path without "
                     "symlinks; " +
                     std::string(k_malicious_hint));
    sys::UniqueFd target_parent(fd);
    struct stat st {};
    if (fstatat(target_parent.get(), target->name().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        S_ISDIR(st.st_mode))
      throw Error::from_errno(S_ISDIR(st.st_mode) ? EISDIR : errno, "link", rel, target_rel)
          .with_hint("a hard link must name an earlier file of the archive; " +
                     std::string(k_malicious_hint));
    replace_existing(parent, name, rel, false);
    // Flags 0: a symlink target is linked itself, never followed.
    if (linkat(target_parent.get(), target->name().c_str(), parent, name.c_str(), 0) != 0)
      throw Error::from_errno(errno, "link", rel, target_rel);
  }

  void record_dir(int parent, const std::string &name, const std::string &rel, archive_entry *e) {
    struct stat st {};
    if (fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      throw Error::from_errno(errno, "stat", rel);
    Extractor::DirMeta meta;
    meta.dev = st.st_dev;
    meta.ino = st.st_ino;
    meta.mode = archive_entry_perm(e) & 07777;
    meta.mtime_sec = archive_entry_mtime(e);
    meta.mtime_nsec = archive_entry_mtime_nsec(e);
    if (m_x.m_owners.keep)
      std::tie(meta.uid, meta.gid) = owner(e);
    m_x.m_dirs[rel] = meta;
  }

  // The entry's numeric ids, each beyond the map (or negative) replaced by 0: the caller.
  std::pair<uid_t, gid_t> owner(archive_entry *e) {
    const la_int64_t uid = archive_entry_uid(e);
    const la_int64_t gid = archive_entry_gid(e);
    const bool uid_ok = uid >= 0 && uid <= static_cast<la_int64_t>(m_x.m_owners.max_uid);
    const bool gid_ok = gid >= 0 && gid <= static_cast<la_int64_t>(m_x.m_owners.max_gid);
    if (!uid_ok || !gid_ok)
      ++m_x.m_stats.foreign_owners;
    return {uid_ok ? static_cast<uid_t>(uid) : 0, gid_ok ? static_cast<gid_t>(gid) : 0};
  }

  static struct timespec mtime(archive_entry *e) {
    struct timespec t {};
    t.tv_sec = archive_entry_mtime(e);
    t.tv_nsec = archive_entry_mtime_nsec(e);
    return t;
  }

  static void set_times(int parent, const std::string &name, archive_entry *e, int flags) {
    struct timespec ts[2] = {mtime(e), mtime(e)};
    (void)utimensat(parent, name.c_str(), ts, flags);
  }

  Extractor &m_x;
  archive *m_a;
  bool m_layer;
};

Extractor::Extractor(int root, std::string shown, const std::atomic<bool> *interrupted,
                     OwnerPolicy owners)
    : m_root(root), m_shown(std::move(shown)), m_interrupted(interrupted), m_owners(owners) {}

std::string Extractor::apply(int fd, const std::string &shown_archive, bool layer) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  if (!a)
    throw std::bad_alloc();
  // Compiled-in decompressors only (filter_all would also run external programs such as
  // lrzip), and tar only: libarchive's mtree reader, for one, reads files named in the archive
  // from the host.
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_lzma(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_lz4(a.get());
  archive_read_support_filter_compress(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK)
    archive_fail(a.get(), "read " + shown_archive);
  m_layer_paths.clear();
  EntryWriter writer(*this, a.get(), layer);
  std::string format;
  for (;;) {
    if (m_interrupted && m_interrupted->load())
      throw Error::message("interrupted");
    archive_entry *e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN)
      archive_fail(a.get(), "read " + shown_archive);
    if (format.empty())
      format = archive_format_name(a.get());
    const char *name = or_utf8(archive_entry_pathname(e), archive_entry_pathname_utf8(e));
    if (!name)
      throw Error::message("read " + shown_archive + ": an entry without a name", k_corrupt_hint);
    try {
      writer.entry(e, name);
    } catch (Error &err) {
      err.with_context("entry \"" + std::string(name) + "\" of " + shown_archive);
      throw;
    }
  }
  std::string filter = archive_filter_name(a.get(), 0);
  if (format.empty())
    format = "empty";
  return filter == "none" ? format : filter + ", " + format;
}

void Extractor::finish() {
  // Deepest first: "a/b" sorts after "a", so a reverse walk reaches children before parents.
  for (auto it = m_dirs.rbegin(); it != m_dirs.rend(); ++it) {
    const auto &[rel, meta] = *it;
    int fd = open_in_root(m_root, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
      continue; // replaced or deleted by a later entry or layer
    sys::UniqueFd dir(fd);
    struct stat st {};
    if (fstat(dir.get(), &st) != 0 || st.st_dev != meta.dev || st.st_ino != meta.ino)
      continue; // not the directory the entry made
    if (m_owners.keep && fchown(dir.get(), meta.uid, meta.gid) != 0)
      throw Error::from_errno(errno, "chown", rel);
    if (fchmod(dir.get(), meta.mode | 0500) != 0)
      throw Error::from_errno(errno, "chmod", rel);
    struct timespec ts[2] = {{meta.mtime_sec, meta.mtime_nsec}, {meta.mtime_sec, meta.mtime_nsec}};
    (void)futimens(dir.get(), ts);
  }
}

} // namespace sandbox::image
