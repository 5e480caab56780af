// SPDX-License-Identifier: Apache-2.0
// What decides root.overlay_driver = "auto": can the kernel mount overlayfs in a user namespace
// here, and is fuse-overlayfs installed with a usable /dev/fuse.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>
#include <string>
#include <string_view>

#include "plan/host_facts.hpp"
#include "util/file.hpp"

namespace sandbox::plan {

namespace {

constexpr long k_overlayfs_magic = 0x794c7630;
constexpr long k_fuse_magic = 0x65735546;

// Unprivileged overlayfs mounts inside a user namespace arrived in Linux 5.11.
std::string kernel_overlay_problem() {
  utsname u{};
  if (uname(&u) != 0)
    return "uname failed";
  int major = 0;
  int minor = 0;
  const std::string_view release(u.release);
  const char *end = release.data() + release.size();
  auto [after_major, major_error] = std::from_chars(release.data(), end, major);
  if (major_error != std::errc() || after_major == end || *after_major != '.' ||
      std::from_chars(after_major + 1, end, minor).ec != std::errc())
    return std::string("unrecognised kernel release ") + u.release;
  if (major < 5 || (major == 5 && minor < 11))
    return std::string("kernel ") + u.release +
           " is older than 5.11, the first to allow overlayfs in a user namespace";
  // A module cannot be loaded from inside a user namespace: it must be built in or loaded.
  const auto filesystems = read_file_if_exists("/proc/filesystems").value_or("");
  if (filesystems.find("\toverlay\n") == std::string::npos &&
      access("/sys/module/overlay", F_OK) != 0)
    return "overlayfs is not available in this kernel (modprobe overlay as root, or use "
           "fuse-overlayfs)";
  return {};
}

std::string find_program(const char *name) {
  for (const char *dir : {"/usr/bin/", "/bin/", "/usr/local/bin/", "/usr/sbin/", "/sbin/"}) {
    std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0)
      return path;
  }
  return {};
}

std::string dev_fuse_problem() {
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    return {};
  }
  if (errno == ENOENT)
    return "/dev/fuse does not exist (modprobe fuse as root)";
  return "/dev/fuse cannot be opened by this user (as root: chmod 0666 /dev/fuse; fuse-overlayfs "
         "does not use fusermount3 from a user namespace)";
}

// The nearest existing ancestor's filesystem: the overlay directory may not exist yet.
std::string upper_dir_problem(const std::string &path) {
  std::string p = path;
  struct statfs fs {};
  while (statfs(p.c_str(), &fs) != 0) {
    auto slash = p.find_last_of('/');
    if (slash == std::string::npos || p == "/")
      return {};
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
  if (fs.f_type == k_overlayfs_magic)
    return path + " is on overlayfs, which the kernel refuses as an upper layer";
  if (fs.f_type == k_fuse_magic)
    return path + " is on a FUSE filesystem, which the kernel refuses as an upper layer";
  return {};
}

} // namespace

void gather_overlay_facts(HostFacts &h) {
  HostFacts::Overlay o;
  o.kernel_problem = kernel_overlay_problem();
  o.fuse_overlayfs = find_program("fuse-overlayfs");
  if (!o.fuse_overlayfs.empty())
    o.dev_fuse_problem = dev_fuse_problem();
  o.runtime_dir = "/tmp";
  if (auto runtime = h.getenv("XDG_RUNTIME_DIR"); runtime && runtime->starts_with("/")) {
    struct stat st {};
    if (stat(std::string(*runtime).c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
        st.st_uid == h.uid && access(std::string(*runtime).c_str(), W_OK) == 0)
      o.runtime_dir = std::string(*runtime);
  }
  o.upper_problem = upper_dir_problem;
  o.owner_of = [](const std::string &path) -> std::optional<std::uint32_t> {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0)
      return std::nullopt;
    return st.st_uid;
  };
  h.overlay = std::move(o);
}

} // namespace sandbox::plan
