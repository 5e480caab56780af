// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount/mount.hpp"
#include "sys/syscalls.hpp"

namespace sandbox::mount {

namespace {

enum class NodeType { directory, file };

std::uint64_t attr_bits(const plan::MountAttrs &a) {
  return (a.readonly ? MOUNT_ATTR_RDONLY : 0U) | (a.nosuid ? MOUNT_ATTR_NOSUID : 0U) |
         (a.nodev ? MOUNT_ATTR_NODEV : 0U) | (a.noexec ? MOUNT_ATTR_NOEXEC : 0U);
}

unsigned long ms_flags(const plan::MountAttrs &a) {
  return (a.readonly ? MS_RDONLY : 0UL) | (a.nosuid ? MS_NOSUID : 0UL) |
         (a.nodev ? MS_NODEV : 0UL) | (a.noexec ? MS_NOEXEC : 0UL);
}

std::pair<std::string, std::string> split_parent(const std::string &path) {
  auto slash = path.find_last_of('/');
  if (slash == 0)
    return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

} // namespace

sys::UniqueFd make_directories(int root, const std::string &path, unsigned mode,
                               const std::function<bool(int)> &may_create_in) {
  if (auto fd = sys::open_in_root(root, path, O_PATH | O_DIRECTORY, path))
    return fd;
  auto [parent, name] = split_parent(path);
  auto parent_fd = make_directories(root, parent, mode, may_create_in);
  if (!parent_fd || (may_create_in && !may_create_in(parent_fd.get())))
    return {};
  if (mkdirat(parent_fd.get(), name.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST)
    sys::throw_errno("mkdir", path);
  auto fd = sys::open_in_root(root, path, O_PATH | O_DIRECTORY, path);
  if (!fd) {
    errno = ENOENT;
    sys::throw_errno("open", path);
  }
  return fd;
}

namespace {

// The directory `path` inside `root`, created (mode 0755) with its missing parents.
sys::UniqueFd ensure_directory(int root, const std::string &path) {
  return make_directories(root, path, 0755, {});
}

// The mount point for `dest`: an existing node, or a new directory or empty file.
sys::UniqueFd ensure_mountpoint(int root, const std::string &dest, NodeType type) {
  if (auto fd = sys::open_in_root(root, dest, O_PATH, dest))
    return fd;
  if (type == NodeType::directory)
    return ensure_directory(root, dest);
  auto [parent, name] = split_parent(dest);
  auto parent_fd = ensure_directory(root, parent);
  int created = openat(parent_fd.get(), name.c_str(),
                       O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (created >= 0)
    return sys::UniqueFd(created); // move_mount takes any fd of the mount point
  if (errno != EEXIST)
    sys::throw_errno("create", dest);
  auto fd = sys::open_in_root(root, dest, O_PATH, dest);
  if (!fd) {
    errno = ENOENT;
    sys::throw_errno("open", dest);
  }
  return fd;
}

void bind(int root, const plan::MountOp &op) {
  // The source is a host path, resolved before pivot_root through the old root; the clone is
  // made read-only/nosuid/... before it is attached, so it is never visible with more rights.
  auto tree = sys::open_tree(AT_FDCWD, op.source, OPEN_TREE_CLONE | AT_RECURSIVE, op.source);
  struct stat st {};
  if (fstat(tree.get(), &st) != 0)
    sys::throw_errno("stat", op.source);
  auto target =
      ensure_mountpoint(root, op.dest, S_ISDIR(st.st_mode) ? NodeType::directory : NodeType::file);
  if (auto bits = attr_bits(op.attrs))
    sys::mount_setattr(tree.get(), bits, 0, 0, true, op.source);
  sys::move_mount(tree.get(), target.get(), op.dest);
  if (op.propagation)
    sys::mount_setattr(tree.get(), 0, 0,
                       *op.propagation == plan::Propagation::slave ? MS_SLAVE : MS_PRIVATE, true,
                       op.dest);
}

void filesystem(int root, const plan::MountOp &op, const char *fstype) {
  auto target = ensure_mountpoint(root, op.dest, NodeType::directory);
  sys::mount(fstype, sys::fd_path(target.get()), fstype, ms_flags(op.attrs), op.fs_data, op.dest);
}

void make_dir(int root, const plan::MountOp &op) {
  auto [parent, name] = split_parent(op.dest);
  auto parent_fd = ensure_directory(root, parent);
  if (mkdirat(parent_fd.get(), name.c_str(), 0700) != 0 && errno != EEXIST)
    sys::throw_errno("mkdir", op.dest);
  // Explicitly, because mkdir's mode is filtered by the launcher's umask.
  if (fchmodat(parent_fd.get(), name.c_str(), static_cast<mode_t>(op.mode), 0) != 0)
    sys::throw_errno("chmod", op.dest);
}

void make_file(int root, const plan::MountOp &op) {
  auto [parent, name] = split_parent(op.dest);
  auto parent_fd = ensure_directory(root, parent);
  auto fd = sys::open_at(parent_fd.get(), name, O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW,
                         static_cast<mode_t>(op.mode));
  // Explicitly: open's mode is filtered by the umask and ignored for an existing file.
  if (fchmod(fd.get(), static_cast<mode_t>(op.mode)) != 0)
    sys::throw_errno("chmod", op.dest);
  size_t done = 0;
  while (done < op.content.size()) {
    auto n = write(fd.get(), op.content.data() + done, op.content.size() - done);
    if (n < 0)
      sys::throw_errno("write", op.dest);
    done += static_cast<size_t>(n);
  }
}

void make_symlink(int root, const plan::MountOp &op) {
  auto [parent, name] = split_parent(op.dest);
  auto parent_fd = ensure_directory(root, parent);
  if (symlinkat(op.source.c_str(), parent_fd.get(), name.c_str()) != 0)
    sys::throw_errno("symlink", op.dest, op.source);
}

} // namespace

void apply_mount(int root, const plan::MountOp &op) {
  try {
    switch (op.kind) {
    case plan::MountKind::bind:
      return bind(root, op);
    case plan::MountKind::tmpfs:
      return filesystem(root, op, "tmpfs");
    case plan::MountKind::proc:
      return filesystem(root, op, "proc");
    case plan::MountKind::devpts:
      return filesystem(root, op, "devpts");
    case plan::MountKind::mqueue:
      return filesystem(root, op, "mqueue");
    case plan::MountKind::sysfs:
      return filesystem(root, op, "sysfs");
    case plan::MountKind::dir:
      return make_dir(root, op);
    case plan::MountKind::file:
      return make_file(root, op);
    case plan::MountKind::symlink:
      return make_symlink(root, op);
    }
  } catch (Error &e) {
    const bool cannot_create = (e.op() == "mkdir" || e.op() == "create") &&
                               (e.err() == EROFS || e.err() == EACCES || e.err() == EPERM);
    if (op.optional && cannot_create)
      return;
    e.with_context("mount (" + op.origin + ")");
    throw;
  }
}

} // namespace sandbox::mount
