// SPDX-License-Identifier: Apache-2.0
#include "sys/hints.hpp"

#include <cerrno>

namespace sandbox::sys {

namespace {
struct Hint {
  std::string_view op; // empty: any operation
  int err;
  std::string_view text;
};

constexpr std::string_view k_userns_hint =
    "user namespaces disabled: check kernel.unprivileged_userns_clone, "
    "user.max_user_namespaces and AppArmor kernel.apparmor_restrict_unprivileged_userns";

constexpr Hint k_hints[] = {
    {"clone", EPERM, k_userns_hint},
    {"clone", EACCES, k_userns_hint},
    {"clone", EUSERS, "nested user namespaces too deep (limit 32)"},
    {"clone", ENOSPC,
     "limit exceeded: check user.max_user_namespaces and the other "
     "user.max_*_namespaces sysctls"},
    {"clone", EINVAL, "the kernel lacks a requested namespace type"},
    {"unshare", ENOSPC, "limit exceeded: check the user.max_*_namespaces sysctls"},
    {"unshare", EINVAL, "the kernel lacks a requested namespace type"},
    {"write uid_map", EPERM,
     "a mapping beyond your own id needs newuidmap and a range in "
     "/etc/subuid (user.map = \"subids\")"},
    {"write gid_map", EPERM,
     "a mapping beyond your own group needs newgidmap and a range in "
     "/etc/subgid (user.map = \"subids\")"},
    {"mount_setattr", EPERM, "a mount inherited from the host keeps its locked flags"},
    {"pivot_root", EINVAL, "the new root is not a mount point, or / has shared propagation"},
    {"mkdir", EROFS,
     "the mount destination does not exist and its parent is read-only: create "
     "it on the host, mount a tmpfs over the parent first, or give the root a "
     "throwaway writable layer (--overlay ephemeral)"},
    {"create", EROFS,
     "the mount destination does not exist and its parent is read-only: create "
     "it on the host, mount a tmpfs over the parent first, or give the root a "
     "throwaway writable layer (--overlay ephemeral)"},
    {"", ENOSPC, "limit exceeded: check fs.mount-max or the tmpfs size"},
    {"mount", ENODEV, "the kernel does not support this filesystem type"},
    {"mount proc", EPERM,
     "procfs can only be mounted for a new pid namespace whose host /proc "
     "is fully visible"},
};
} // namespace

std::string_view hint_for(std::string_view op, int err) {
  // "mount" also covers "mount tmpfs", "mount proc"...: the most specific row comes first.
  auto matches = [op](std::string_view row) {
    return row.empty() || row == op || (op.starts_with(row) && op[row.size()] == ' ');
  };
  for (const auto &h : k_hints)
    if (h.err == err && matches(h.op))
      return h.text;
  return {};
}

} // namespace sandbox::sys
