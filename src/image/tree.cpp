// SPDX-License-Identifier: Apache-2.0
#include "image/tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace sandbox::image {

int open_in_root(int root, const std::string &rel, int flags, std::uint64_t extra_resolve) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV | extra_resolve;
  for (;;) {
    long fd = ::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how); // O_CLOEXEC above
    if (fd >= 0)
      return static_cast<int>(fd);
    // EAGAIN: a concurrent rename raced the lookup (openat2(2)); try again.
    if (errno != EAGAIN && errno != EINTR)
      return -errno;
  }
}

sys::UniqueFd open_in_root_or_throw(int root, const std::string &rel, int flags,
                                    const std::string &shown, std::uint64_t extra_resolve) {
  int fd = open_in_root(root, rel, flags, extra_resolve);
  if (fd < 0)
    throw Error::from_errno(-fd, "open", shown);
  return sys::UniqueFd(fd);
}

namespace {

// Names in a directory (not "." or ".."), read through a duplicate of `dirfd`.
std::vector<std::string> list_directory(int dirfd, const std::string &shown) {
  int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0)
    throw Error::from_errno(errno, "dup", shown);
  std::unique_ptr<DIR, int (*)(DIR *)> dir(fdopendir(dup), closedir);
  if (!dir) {
    int err = errno;
    ::close(dup);
    throw Error::from_errno(err, "opendir", shown);
  }
  rewinddir(dir.get());
  std::vector<std::string> names;
  errno = 0;
  while (const dirent *d = readdir(dir.get())) {
    std::string n = d->d_name;
    if (n != "." && n != "..")
      names.push_back(std::move(n));
    errno = 0;
  }
  if (errno != 0)
    throw Error::from_errno(errno, "readdir", shown);
  return names;
}

void make_owner_rwx(int fd) {
  struct stat st {};
  if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
    (void)fchmod(fd, (st.st_mode & 07777) | 0700); // fails only if not ours: unlink says why
}

} // namespace

void clear_directory(int dirfd, const std::string &shown,
                     const std::function<bool(const std::string &)> &keep) {
  make_owner_rwx(dirfd);
  for (const auto &name : list_directory(dirfd, shown))
    if (!keep || !keep(name))
      remove_tree_at(dirfd, name, shown + "/" + name);
}

void remove_tree_at(int dirfd, const std::string &name, const std::string &shown) {
  if (unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT)
    return;
  if (errno != EISDIR)
    throw Error::from_errno(errno, "unlink", shown);
  sys::UniqueFd dir(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) {
    // A directory we may not read (mode 0): make it ours to read, once.
    if (errno == EACCES && fchmodat(dirfd, name.c_str(), 0700, 0) == 0)
      dir.reset(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir)
      throw Error::from_errno(errno, "open", shown);
  }
  clear_directory(dir.get(), shown);
  if (unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    throw Error::from_errno(errno, "rmdir", shown);
}

namespace {

std::uint64_t usage(int dirfd, const std::string &name,
                    std::set<std::pair<dev_t, ino_t>> &seen_links, int depth) {
  struct stat st {};
  if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return 0;
  if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen_links.emplace(st.st_dev, st.st_ino).second)
    return 0;
  std::uint64_t total = static_cast<std::uint64_t>(st.st_blocks) * 512;
  if (!S_ISDIR(st.st_mode) || depth > 4096)
    return total;
  sys::UniqueFd dir(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir)
    return total;
  try {
    for (const auto &child : list_directory(dir.get(), name))
      total += usage(dir.get(), child, seen_links, depth + 1);
  } catch (const Error &) {
    // An unreadable directory counts for itself only: a size is an estimate, not a failure.
  }
  return total;
}

} // namespace

std::uint64_t disk_usage_at(int dirfd, const std::string &name) {
  std::set<std::pair<dev_t, ino_t>> seen;
  return usage(dirfd, name, seen, 0);
}

std::string read_file_in_root(int root, const std::string &rel, std::size_t max,
                              const std::string &shown) {
  auto fd = open_in_root_or_throw(root, rel, O_RDONLY, shown);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0)
    throw Error::from_errno(errno, "stat", shown);
  if (!S_ISREG(st.st_mode))
    throw Error::message(shown + " is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max)
    throw Error::message(shown + " is larger than " + std::to_string(max) + " bytes");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw Error::from_errno(errno, "read", shown);
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max)
      throw Error::message(shown + " is larger than " + std::to_string(max) + " bytes");
  }
  return out;
}

} // namespace sandbox::image
