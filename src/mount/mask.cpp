// SPDX-License-Identifier: Apache-2.0
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "mount/mount.hpp"
#include "sys/syscalls.hpp"

namespace sandbox::mount {

namespace {

// A read-only clone stacked on the path works whether or not it is a mount point, and the
// command (without CAP_SYS_ADMIN) cannot unmount it.
void stack_readonly_clone(const sys::UniqueFd &target, const std::string &path) {
  auto tree =
      sys::open_tree(target.get(), "", OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH, path);
  sys::mount_setattr(tree.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0,
                     true, path);
  sys::move_mount(tree.get(), target.get(), path);
}

// Whether `path` (inside `root`) is a directory with nothing in it but "." and "..". False
// when it cannot be read: the paths under it are then looked up one by one, as without it.
bool is_empty_directory(int root, const std::string &path) {
  sys::UniqueFd dir;
  try {
    dir = sys::open_in_root(root, path, O_RDONLY | O_DIRECTORY, path);
  } catch (const Error &) {
    return false;
  }
  if (!dir)
    return false;
  // "." and ".." take 48 bytes: a third entry, whatever its name's length, fits after them.
  alignas(dirent64) char buf[512];
  const long n = ::syscall(SYS_getdents64, dir.get(), buf, sizeof buf);
  if (n <= 0)
    return false;
  for (long at = 0; at < n;) {
    const auto *entry = reinterpret_cast<const dirent64 *>(buf + at);
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
      return false;
    at += entry->d_reclen;
  }
  return true;
}

} // namespace

EmptyDirs::EmptyDirs(int root, const std::vector<plan::MountOp> &mounts) : m_root(root) {
  for (const auto &op : mounts)
    if (op.kind == plan::MountKind::tmpfs)
      m_dirs.push_back({&op.dest, State::unknown});
}

bool EmptyDirs::contain(const std::string &path) {
  Dir *closest = nullptr;
  for (auto &dir : m_dirs) {
    const std::string &d = *dir.path;
    const bool under =
        path.size() > d.size() && path.starts_with(d) && (d == "/" || path[d.size()] == '/');
    if (under && (closest == nullptr || d.size() > closest->path->size()))
      closest = &dir;
  }
  if (closest == nullptr)
    return false;
  if (closest->state == State::unknown)
    closest->state = is_empty_directory(m_root, *closest->path) ? State::empty : State::not_empty;
  return closest->state == State::empty;
}

void remount_readonly(int root, const std::vector<std::string> &paths, EmptyDirs &empty) {
  for (const auto &path : paths)
    if (empty.contain(path))
      continue;
    else if (auto target = sys::open_in_root(root, path, O_PATH, path))
      stack_readonly_clone(target, path);
  // (a missing path has nothing to protect)
}

void protect_dirs(int root, const std::vector<std::string> &paths, EmptyDirs &empty) {
  // Not on a tmpfs: whatever is planted there goes with the sandbox (and the default's
  // throwaway $HOME keeps ~/.local/bin and the like writable for installers).
  auto persistent = [](int parent_fd) {
    struct statfs fs {};
    return fstatfs(parent_fd, &fs) == 0 && fs.f_type != TMPFS_MAGIC;
  };
  for (const auto &path : paths) {
    if (empty.contain(path))
      continue; // missing, on a tmpfs: nothing planted there outlives the sandbox
    sys::UniqueFd target;
    try {
      target = make_directories(root, path, 0700, persistent);
    } catch (const Error &e) {
      // Where a directory on the way cannot be written, the command cannot create it either.
      if (e.op() != "mkdir" || (e.err() != EROFS && e.err() != EACCES && e.err() != EPERM))
        throw;
    }
    if (target)
      stack_readonly_clone(target, path);
  }
}

void mask_paths(int root, const std::vector<std::string> &paths, EmptyDirs &empty) {
  if (paths.empty())
    return;
  // One detached tmpfs, never attached anywhere itself, holds the empty file and directory
  // that are cloned over each masked path.
  auto masks = sys::fsmount_tmpfs("mode=0000,size=4k", "mask");
  int file = openat(masks.get(), "file", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
  if (file < 0)
    sys::throw_errno("create", "mask file");
  close(file);
  if (mkdirat(masks.get(), "dir", 0) != 0)
    sys::throw_errno("mkdir", "mask dir");
  sys::mount_setattr(masks.get(), MOUNT_ATTR_RDONLY, 0, 0, false, "mask");
  for (const auto &path : paths) {
    if (empty.contain(path))
      continue;
    auto target = sys::open_in_root(root, path, O_PATH, path);
    if (!target)
      continue;
    struct stat st {};
    if (fstat(target.get(), &st) != 0)
      sys::throw_errno("stat", path);
    auto clone =
        sys::open_tree(masks.get(), S_ISDIR(st.st_mode) ? "dir" : "file", OPEN_TREE_CLONE, path);
    sys::move_mount(clone.get(), target.get(), path);
  }
}

} // namespace sandbox::mount
