// SPDX-License-Identifier: Apache-2.0
// Kernel overlayfs roots, built by the child in its own mount namespace. Ephemeral upper layers
// live on a tmpfs that exists only in that namespace, so nothing of them ever reaches the host
// and they vanish with the sandbox however it ends (SIGKILL included).
#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "mount/overlay.hpp"
#include "sys/syscalls.hpp"
#include "util/file.hpp"

namespace sandbox::mount {

namespace {

// Filesystems that are never a lower layer: kernel state, not files (they are bound read-only
// instead, as without an overlay; the profile usually mounts fresh ones on top).
constexpr std::array<std::string_view, 19> k_pseudo_fs{
    "proc",      "sysfs",       "devtmpfs", "devpts",   "cgroup",  "cgroup2",  "securityfs",
    "debugfs",   "tracefs",     "pstore",   "bpf",      "fusectl", "configfs", "mqueue",
    "hugetlbfs", "binfmt_misc", "autofs",   "efivarfs", "nsfs"};

struct MountPoint {
  std::string path;
  std::string fstype;
};

// "\040" -> " ": mountinfo escapes space, tab, newline and backslash as octal.
std::string unescape_mountinfo(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      const int value = (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0');
      out.push_back(static_cast<char>(value));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// proc(5): "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER",
// fields separated by single spaces (a space in a path is \040).
std::vector<MountPoint> read_mountinfo() {
  const auto text = read_file_if_exists("/proc/self/mountinfo");
  if (!text) {
    errno = ENOENT;
    sys::throw_errno("open", "/proc/self/mountinfo");
  }
  std::vector<MountPoint> out;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    std::vector<std::string_view> fields;
    while (!line.empty()) {
      const auto space = line.find(' ');
      fields.push_back(line.substr(0, space));
      line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
    }
    if (fields.size() < 5)
      continue;
    const auto dash = std::find(fields.begin() + 5, fields.end(), "-");
    const std::string_view fstype =
        dash != fields.end() && dash + 1 != fields.end() ? *(dash + 1) : "";
    out.push_back({unescape_mountinfo(fields[4]), std::string(fstype)});
  }
  return out;
}

bool is_under(const std::string &path, const std::string &dir) {
  if (dir == "/")
    return path.size() > 1 && path.front() == '/';
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

std::string join(const std::string &dir, const std::string &name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

// overlayfs splits lowerdir at ':' and unescapes '\'.
std::string escape_lowerdir(const std::string &path) {
  std::string out;
  for (char c : path) {
    if (c == ':' || c == '\\')
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The kernel's own words on a failed fsconfig (overlayfs explains its refusals there).
std::string fs_context_log(int fs_fd) {
  std::string text;
  std::array<char, 512> buf{};
  for (;;) {
    auto n = read(fs_fd, buf.data(), buf.size() - 1);
    if (n <= 0)
      break;
    if (!text.empty())
      text += "; ";
    text.append(buf.data(), static_cast<std::size_t>(n));
    while (!text.empty() && text.back() == '\n')
      text.pop_back();
  }
  return text;
}

// A detached overlayfs mount. userxattr: in a user namespace the trusted.* xattrs are out of
// reach, and without it removing a lower directory fails with EIO. volatile (ephemeral only):
// no fsync of the upper layer, which otherwise dominates copy-up.
sys::UniqueFd make_overlay(const std::string &lower, const std::string &upper,
                           const std::string &work, bool is_volatile, const std::string &shown) {
  long fs = ::syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    sys::throw_errno("fsopen overlay", shown);
  sys::UniqueFd fs_fd(static_cast<int>(fs));
  auto set = [&](const char *key, const std::string &value) {
    if (::syscall(SYS_fsconfig, fs_fd.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0)
      sys::throw_errno(std::string("overlay ") + key, value);
  };
  auto flag = [&](const char *key) {
    if (::syscall(SYS_fsconfig, fs_fd.get(), FSCONFIG_SET_FLAG, key, nullptr, 0) != 0)
      sys::throw_errno(std::string("overlay ") + key, shown);
  };
  set("lowerdir", escape_lowerdir(lower));
  set("upperdir", upper);
  set("workdir", work);
  flag("userxattr");
  if (is_volatile)
    flag("volatile");
  if (::syscall(SYS_fsconfig, fs_fd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    const int err = errno;
    auto log = fs_context_log(fs_fd.get());
    throw Error::from_errno(err, "mount overlay", shown)
        .with_hint(log.empty() ? "lower " + lower + ", upper " + upper : "the kernel says: " + log);
  }
  long m =
      ::syscall(SYS_fsmount, fs_fd.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (m < 0)
    sys::throw_errno("fsmount overlay", shown);
  return sys::UniqueFd(static_cast<int>(m));
}

// A detached tmpfs without noexec (sys::fsmount_tmpfs sets it): upper layers hold programs.
sys::UniqueFd make_tmpfs(mode_t mode, const std::string &shown) {
  char mode_text[8];
  std::snprintf(mode_text, sizeof mode_text, "%04o", static_cast<unsigned>(mode & 07777));
  long fs = ::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    sys::throw_errno("fsopen tmpfs", shown);
  sys::UniqueFd fs_fd(static_cast<int>(fs));
  if (::syscall(SYS_fsconfig, fs_fd.get(), FSCONFIG_SET_STRING, "mode", mode_text, 0) != 0 ||
      ::syscall(SYS_fsconfig, fs_fd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    sys::throw_errno("fsconfig tmpfs", shown);
  long m =
      ::syscall(SYS_fsmount, fs_fd.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (m < 0)
    sys::throw_errno("fsmount tmpfs", shown);
  return sys::UniqueFd(static_cast<int>(m));
}

// mkdir -p, each created directory `mode` (set explicitly: mkdir's mode goes through umask).
void make_dirs(const std::string &path, mode_t mode) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      sys::throw_errno("mkdir", path);
    }
    return;
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    make_dirs(path.substr(0, slash), 0700);
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    sys::throw_errno("mkdir", path);
  if (chmod(path.c_str(), mode) != 0)
    sys::throw_errno("chmod", path);
}

mode_t mode_of(const std::string &path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    sys::throw_errno("stat", path);
  return st.st_mode & 07777;
}

class KernelOverlayBuilder {
public:
  KernelOverlayBuilder(const plan::SandboxPlan &plan, std::string base)
      : m_ephemeral(plan.overlay.ephemeral), m_base(std::move(base)), m_mounts(read_mountinfo()) {
    std::array<char, PATH_MAX> real{};
    if (realpath(plan.root_source.c_str(), real.data()) == nullptr)
      sys::throw_errno("realpath", plan.root_source);
    m_lower = real.data();
    make_dirs(m_base + "/upper", mode_of(m_lower));
    make_dirs(m_base + "/work", 0700);
    if (!m_ephemeral) {
      if (realpath(plan.overlay.dir.c_str(), real.data()) == nullptr)
        sys::throw_errno("realpath", plan.overlay.dir);
      m_keep_out = real.data();
    }
  }

  // The root overlay, stacked on "/" (see bind_new_root for why "/" needs no staging dir).
  sys::UniqueFd build() {
    sys::UniqueFd root;
    if (!needs_split(m_lower)) {
      root = make_overlay(m_lower, m_base + "/upper", work_dir(), m_ephemeral, "/");
      attach_on_old_root(root.get());
      return root;
    }
    root = skeleton_overlay(m_lower, "");
    attach_on_old_root(root.get());
    fill_split(root.get(), m_lower, "");
    return root;
  }

private:
  static void attach_on_old_root(int tree) {
    auto old_root = sys::open_path("/", O_PATH | O_DIRECTORY);
    sys::move_mount(tree, old_root.get(), "/ (overlay root)");
  }

  [[nodiscard]] const MountPoint *mount_at(const std::string &path) const {
    const MountPoint *found = nullptr;
    for (const auto &m : m_mounts)
      if (m.path == path)
        found = &m; // the last one is the top-most
    return found;
  }

  // A directory must be split when it holds a mount (a locked child) or the persistent
  // overlay directory (the kernel refuses an upper layer inside a lower one).
  [[nodiscard]] bool needs_split(const std::string &dir) const {
    if (!m_keep_out.empty() && (m_keep_out == dir || is_under(m_keep_out, dir)))
      return true;
    return std::any_of(m_mounts.begin(), m_mounts.end(),
                       [&](const MountPoint &m) { return is_under(m.path, dir); });
  }

  std::string work_dir() {
    auto dir = m_base + "/work/" + std::to_string(m_work_count++);
    make_dirs(dir, 0700);
    return dir;
  }

  // upper/REL for the overlay of lower/REL, with the lower directory's mode.
  std::string upper_dir(const std::string &lower, const std::string &rel) {
    auto dir = m_base + "/upper" + rel;
    make_dirs(dir, mode_of(lower));
    return dir;
  }

  // An overlay whose lower layer is a tmpfs holding only `dir`'s entries (empty directories,
  // symlinks, empty files): what gets mounted on them comes next.
  sys::UniqueFd skeleton_overlay(const std::string &dir, const std::string &rel) {
    auto skel = make_tmpfs(mode_of(dir), "overlay skeleton of " + dir);
    DIR *d = opendir(dir.c_str());
    if (d == nullptr)
      sys::throw_errno("opendir", dir);
    std::unique_ptr<DIR, int (*)(DIR *)> guard(d, closedir);
    while (auto *e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..")
        continue;
      struct stat st {};
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISDIR(st.st_mode)) {
        if (mkdirat(skel.get(), e->d_name, 0700) != 0 ||
            fchmodat(skel.get(), e->d_name, st.st_mode & 07777, 0) != 0)
          sys::throw_errno("mkdir", "overlay skeleton " + join(dir, name));
      } else if (S_ISLNK(st.st_mode)) {
        std::array<char, PATH_MAX> target{};
        auto n = readlinkat(dirfd(d), e->d_name, target.data(), target.size() - 1);
        if (n >= 0 && symlinkat(target.data(), skel.get(), e->d_name) != 0)
          sys::throw_errno("symlink", "overlay skeleton " + join(dir, name));
      } else if (S_ISREG(st.st_mode)) {
        // A placeholder for the read-only bind of the file (fill_split).
        int fd = openat(skel.get(), e->d_name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0)
          sys::throw_errno("create", "overlay skeleton " + join(dir, name));
        close(fd);
      }
    }
    auto lower = sys::fd_path(skel.get());
    auto tree =
        make_overlay(lower, upper_dir(dir, rel), work_dir(), m_ephemeral, rel.empty() ? "/" : rel);
    return tree;
  }

  // Mounts, under the skeleton overlay `root` (attached), what each entry of `dir` becomes.
  void fill_split(int root, const std::string &dir, const std::string &rel) {
    std::vector<std::string> names;
    {
      DIR *d = opendir(dir.c_str());
      if (d == nullptr)
        sys::throw_errno("opendir", dir);
      std::unique_ptr<DIR, int (*)(DIR *)> guard(d, closedir);
      while (auto *e = readdir(d)) {
        std::string name = e->d_name;
        struct stat st {};
        if (name == "." || name == ".." ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
          continue;
        if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))
          names.push_back(name);
      }
    }
    for (const auto &name : names) {
      try {
        fill_entry(root, dir, rel, name);
      } catch (const Error &e) {
        // The host directory changed under us (a temporary file came and went in /tmp): an
        // entry that vanished needs no mount.
        if (e.err() != ENOENT)
          throw;
      }
    }
  }

  void fill_entry(int root, const std::string &dir, const std::string &rel,
                  const std::string &name) {
    {
      const auto path = join(dir, name);
      const auto sub_rel = rel + "/" + name;
      auto target = sys::open_in_root(root, sub_rel, O_PATH, sub_rel);
      if (!target)
        return;
      if (!m_keep_out.empty() && path == m_keep_out)
        return; // the overlay's own state: left as the skeleton's empty directory
      const auto *mounted = mount_at(path);
      const bool pseudo = mounted != nullptr && (std::find(k_pseudo_fs.begin(), k_pseudo_fs.end(),
                                                           mounted->fstype) != k_pseudo_fs.end() ||
                                                 mounted->fstype.starts_with("fuse"));
      if (pseudo || (mounted != nullptr && needs_split(path)) || !is_dir(path)) {
        // Kernel state, a mount holding mounts of its own, or a file of a split directory:
        // read-only, as without an overlay.
        auto tree = sys::open_tree(AT_FDCWD, path,
                                   OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC, path);
        sys::mount_setattr(tree.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0,
                           0, true, path);
        sys::move_mount(tree.get(), target.get(), sub_rel);
      } else if (needs_split(path)) {
        auto tree = skeleton_overlay(path, sub_rel);
        sys::move_mount(tree.get(), target.get(), sub_rel);
        fill_split(root, path, sub_rel);
      } else {
        auto tree = make_overlay(path, upper_dir(path, sub_rel), work_dir(), m_ephemeral, sub_rel);
        sys::move_mount(tree.get(), target.get(), sub_rel);
      }
    }
  }

  static bool is_dir(const std::string &path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  bool m_ephemeral;
  std::string m_base;
  std::vector<MountPoint> m_mounts;
  std::string m_lower;
  std::string m_keep_out; // the persistent overlay directory, never a lower layer
  int m_work_count = 0;
};

// fuse-overlayfs serves everything below its lower directory, mounts included; kernel state
// (proc, sysfs...) is not for it to copy up (it fails on some of it with EOPNOTSUPP). Those
// mounts are bound read-only over the merged view, as the kernel driver does.
void bind_pseudo_mounts(int root, const std::string &source) {
  std::array<char, PATH_MAX> real{};
  if (realpath(source.c_str(), real.data()) == nullptr)
    sys::throw_errno("realpath", source);
  const std::string lower = real.data();
  std::vector<std::string> done;
  for (const auto &m : read_mountinfo()) {
    const bool pseudo =
        std::find(k_pseudo_fs.begin(), k_pseudo_fs.end(), m.fstype) != k_pseudo_fs.end() ||
        m.fstype.starts_with("fuse");
    if (!pseudo || !is_under(m.path, lower) ||
        std::any_of(done.begin(), done.end(),
                    [&](const std::string &d) { return d == m.path || is_under(m.path, d); }))
      continue;
    const auto rel = lower == "/" ? m.path : m.path.substr(lower.size());
    auto target = sys::open_in_root(root, rel, O_PATH, rel);
    if (!target)
      continue;
    auto tree = sys::open_tree(AT_FDCWD, m.path, OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC,
                               m.path);
    sys::mount_setattr(tree.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0,
                       true, m.path);
    sys::move_mount(tree.get(), target.get(), rel);
    done.push_back(m.path);
  }
}

} // namespace

sys::UniqueFd overlay_new_root(const plan::SandboxPlan &plan) {
  try {
    if (plan.overlay.driver == plan::OverlayDriver::fuse) {
      // The launcher attached the fuse-overlayfs mount here, in our mount namespace.
      auto tree = sys::open_tree(AT_FDCWD, plan.overlay.fuse_mountpoint,
                                 OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC,
                                 plan.overlay.fuse_mountpoint);
      sys::mount_setattr(tree.get(), MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, true,
                         "fuse-overlayfs root");
      auto old_root = sys::open_path("/", O_PATH | O_DIRECTORY);
      sys::move_mount(tree.get(), old_root.get(), "/ (fuse-overlayfs root)");
      bind_pseudo_mounts(tree.get(), plan.root_source);
      return tree;
    }
    if (plan.overlay.ephemeral) {
      // A detached tmpfs, reached through /proc/self/fd: each overlay keeps its own private
      // reference to it, and it is gone when the last sandbox process is.
      auto scratch = make_tmpfs(0700, "ephemeral overlay");
      KernelOverlayBuilder builder(plan, sys::fd_path(scratch.get()));
      return builder.build();
    }
    KernelOverlayBuilder builder(plan, plan.overlay.dir);
    return builder.build();
  } catch (Error &e) {
    e.with_context("root overlay");
    throw;
  }
}

} // namespace sandbox::mount
