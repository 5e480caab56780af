// SPDX-License-Identifier: Apache-2.0
// Capability names for [capabilities] keep. Our own table rather than libcap's cap_from_name():
// the model library must not link libcap, and a profile must mean the same on every host.
#include "profile/internal.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace sandbox::profile::detail {

namespace {

// In kernel number order (linux/capability.h), CAP_CHOWN = 0 .. CAP_CHECKPOINT_RESTORE = 40.
constexpr std::array<std::string_view, 41> k_capabilities{
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

} // namespace

std::optional<std::string> canonical_capability(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper.rfind("CAP_", 0) != 0)
    upper.insert(0, "CAP_");
  if (std::find(k_capabilities.begin(), k_capabilities.end(), upper) == k_capabilities.end())
    return std::nullopt;
  return upper;
}

std::span<const std::string_view> capability_names() {
  return k_capabilities;
}

} // namespace sandbox::profile::detail
