// SPDX-License-Identifier: Apache-2.0
#pragma once
// The mount stages of the child, in the order child.cpp calls them. They run in the child's
// new mount namespace, with the capabilities the new user namespace gives it.

#include <functional>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "sys/fd.hpp"

namespace sandbox::mount {

// Makes every mount slave (or private) first, so nothing we mount propagates to the host.
void make_root_propagation(plan::Propagation propagation);

// Clones `source` recursively (read-only, nosuid, nodev if asked) and stacks the clone on top
// of the current "/". Returns an O_PATH fd of the new root: until pivot_root, paths inside it
// are resolved through that fd, and host paths (bind sources) through the untouched old root.
sys::UniqueFd bind_new_root(const std::string &source, bool readonly);

// One [[mount]] (or built-in /proc, /dev) operation. Its destination is resolved inside
// `root` without following symlinks out of it; missing directories are created where the
// parent is writable (inside a tmpfs), never on a read-only host path.
void apply_mount(int root, const plan::MountOp &op);

// The directory `path` inside `root` (resolved in it, never following a symlink out), created
// with its missing parents (`mode`, less the umask) where `may_create_in(parent_fd)` allows it
// (always when it is empty); an empty fd where it does not. Throws sandbox::Error with op
// "mkdir" or "open".
sys::UniqueFd make_directories(int root, const std::string &path, unsigned mode,
                               const std::function<bool(int)> &may_create_in);

// chdir(root); pivot_root(".", "."); umount2(".", MNT_DETACH); chdir("/"): no put_old directory.
void pivot_into(int root);

// The stages below run after pivot_root and every mount, with `root` an O_PATH descriptor of
// the new "/", opened once for all of them.

// The plan's tmpfs mounts that are still empty directories.
// Nothing can exist under them, so a read-only, protected or masked path there needs no lookup
// of its own (the default profile has 26 dotfiles under its empty $HOME; one look at $HOME
// spares 26 path walks and more). Each directory is looked at once, when first asked about;
// none of the three stages below adds anything under an empty directory.
class EmptyDirs {
public:
  EmptyDirs(int root, const std::vector<plan::MountOp> &mounts);
  // Whether `path` lies strictly under one of them, and so does not exist.
  bool contain(const std::string &path);

private:
  enum class State { unknown, empty, not_empty };
  struct Dir {
    const std::string *path;
    State state;
  };
  int m_root;
  std::vector<Dir> m_dirs;
};

// Remounts `paths` read-only (a read-only clone stacked on each).
void remount_readonly(int root, const std::vector<std::string> &paths, EmptyDirs &empty);

// Makes each directory read-only like remount_readonly, creating it and its
// missing parents first (empty, mode 0700) where they can be written: there, the command
// could otherwise create it and plant files that run later outside the sandbox. Where they
// cannot be written, the command cannot create them either; on a tmpfs, nothing planted
// outlives the sandbox.
void protect_dirs(int root, const std::vector<std::string> &paths, EmptyDirs &empty);

// Hides `paths` under an empty, read-only, mode-000 file or directory.
void mask_paths(int root, const std::vector<std::string> &paths, EmptyDirs &empty);

} // namespace sandbox::mount
