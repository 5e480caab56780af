// SPDX-License-Identifier: Apache-2.0
#include <cerrno>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

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

} // namespace

void remount_readonly(const std::vector<std::string> &paths) {
  if (paths.empty())
    return;
  auto root = sys::open_path("/", O_PATH | O_DIRECTORY);
  for (const auto &path : paths)
    if (auto target = sys::open_in_root(root.get(), path, O_PATH, path))
      stack_readonly_clone(target, path);
  // (a missing path has nothing to protect)
}

void protect_dirs(const std::vector<std::string> &paths) {
  if (paths.empty())
    return;
  auto root = sys::open_path("/", O_PATH | O_DIRECTORY);
  // Not on a tmpfs: whatever is planted there goes with the sandbox (and the default's
  // throwaway $HOME keeps ~/.local/bin and the like writable for installers).
  auto persistent = [](int parent_fd) {
    struct statfs fs {};
    return fstatfs(parent_fd, &fs) == 0 && fs.f_type != TMPFS_MAGIC;
  };
  for (const auto &path : paths) {
    sys::UniqueFd target;
    try {
      target = make_directories(root.get(), path, 0700, persistent);
    } catch (const Error &e) {
      // Where a directory on the way cannot be written, the command cannot create it either.
      if (e.op() != "mkdir" || (e.err() != EROFS && e.err() != EACCES && e.err() != EPERM))
        throw;
    }
    if (target)
      stack_readonly_clone(target, path);
  }
}

void mask_paths(const std::vector<std::string> &paths) {
  if (paths.empty())
    return;
  auto root = sys::open_path("/", O_PATH | O_DIRECTORY);
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
    auto target = sys::open_in_root(root.get(), path, O_PATH, path);
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
