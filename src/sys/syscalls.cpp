// SPDX-License-Identifier: Apache-2.0
#include "sys/syscalls.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "sys/hints.hpp"

namespace sandbox::sys {

void throw_errno(std::string op, std::string path, std::string path2) {
  const int err = errno;
  auto hint = hint_for(op, err);
  auto e = Error::from_errno(err, std::move(op), std::move(path), std::move(path2));
  if (!hint.empty())
    e.with_hint(std::string(hint));
  throw e;
}

std::string fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

UniqueFd open_path(const std::string &path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0)
    throw_errno("open", path);
  return UniqueFd(fd);
}

UniqueFd open_at(int dirfd, const std::string &path, int flags, mode_t mode) {
  int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0)
    throw_errno("open", path);
  return UniqueFd(fd);
}

UniqueFd open_in_root(int root_fd, const std::string &path, int flags, std::string_view shown) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOENT)
      return {};
    throw_errno("open", std::string(shown));
  }
  return UniqueFd(static_cast<int>(fd));
}

void mount(const std::string &source, const std::string &target, const char *fstype,
           unsigned long flags, const std::string &data, std::string_view shown_target) {
  if (::syscall(SYS_mount, source.empty() ? nullptr : source.c_str(), target.c_str(), fstype, flags,
                data.empty() ? nullptr : data.c_str()) != 0)
    throw_errno(fstype != nullptr ? std::string("mount ") + fstype : "mount",
                std::string(shown_target));
}

UniqueFd open_tree(int dirfd, const std::string &path, unsigned flags, std::string_view shown) {
  long fd = ::syscall(SYS_open_tree, dirfd, path.c_str(), flags | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    throw_errno("open_tree", std::string(shown));
  return UniqueFd(static_cast<int>(fd));
}

void move_mount(int from_fd, int to_fd, std::string_view shown_target) {
  if (::syscall(SYS_move_mount, from_fd, "", to_fd, "",
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    throw_errno("move_mount", std::string(shown_target));
}

void mount_setattr(int fd, std::uint64_t attr_set, std::uint64_t attr_clr,
                   std::uint64_t propagation, bool recursive, std::string_view shown) {
  mount_attr attr{};
  attr.attr_set = attr_set;
  attr.attr_clr = attr_clr;
  attr.propagation = propagation;
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0U);
  if (::syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr) != 0)
    throw_errno("mount_setattr", std::string(shown));
}

UniqueFd fsmount_tmpfs(const std::string &options, std::string_view shown) {
  long fs = ::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    throw_errno("fsopen tmpfs", std::string(shown));
  UniqueFd fs_fd(static_cast<int>(fs));
  std::string_view rest = options;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string item(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto eq = item.find('=');
    std::string key = item.substr(0, eq);
    std::string value = eq == std::string::npos ? std::string{} : item.substr(eq + 1);
    if (::syscall(SYS_fsconfig, fs_fd.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0) !=
        0)
      throw_errno("fsconfig tmpfs " + item, std::string(shown));
  }
  if (::syscall(SYS_fsconfig, fs_fd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    throw_errno("fsconfig tmpfs create", std::string(shown));
  long m = ::syscall(SYS_fsmount, fs_fd.get(), FSMOUNT_CLOEXEC,
                     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (m < 0)
    throw_errno("fsmount tmpfs", std::string(shown));
  return UniqueFd(static_cast<int>(m));
}

void write_file_at(int dirfd, const char *name, std::string_view content, std::string_view shown) {
  int fd = ::openat(dirfd, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    throw_errno(std::string("open ") + name, std::string(shown));
  UniqueFd owner(fd);
  auto n = ::write(fd, content.data(), content.size());
  if (n < 0 || static_cast<size_t>(n) != content.size())
    throw_errno(std::string("write ") + name, std::string(shown));
}

} // namespace sandbox::sys
