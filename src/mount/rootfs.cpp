// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount/mount.hpp"
#include "sys/syscalls.hpp"

namespace sandbox::mount {

// MNT_DETACH lives in <sys/mount.h>, which clashes with <linux/mount.h> on glibc 2.36.
constexpr int k_mnt_detach = 2;

sys::UniqueFd bind_new_root(const std::string &source, bool readonly) {
  auto tree = sys::open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | AT_RECURSIVE, source);
  // Set before the tree is attached anywhere, so it is never visible writable. nosuid and
  // nodev back up no_new_privs and the minimal /dev.
  std::uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (readonly)
    attrs |= MOUNT_ATTR_RDONLY;
  sys::mount_setattr(tree.get(), attrs, 0, 0, true, source);
  // Stacked on "/", the new root needs no staging directory: lookups that start at our
  // (old) root do not cross a mount stacked on that root itself, so host paths stay
  // reachable until pivot_root.
  auto old_root = sys::open_path("/", O_PATH | O_DIRECTORY);
  sys::move_mount(tree.get(), old_root.get(), "/ (new root from " + source + ")");
  return tree;
}

void pivot_into(int root) {
  if (fchdir(root) != 0)
    sys::throw_errno("chdir", "new root");
  // pivot_root(".", "."): the old root ends up stacked on the new one, where a lazy unmount
  // removes it (pivot_root(2), "NOTES").
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    sys::throw_errno("pivot_root", ".");
  if (::syscall(SYS_umount2, ".", k_mnt_detach) != 0)
    sys::throw_errno("umount2", "old root");
  if (chdir("/") != 0)
    sys::throw_errno("chdir", "/");
}

} // namespace sandbox::mount
