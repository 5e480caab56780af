// SPDX-License-Identifier: Apache-2.0
// Apart from caps.cpp: <linux/capability.h> and libcap's <sys/capability.h> do not mix.
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "caps/caps.hpp"

namespace sandbox::caps {

const char *lock_securebits_and_drop_bounding(std::uint64_t keep) noexcept {
  // Securebits and the bounding set need CAP_SETPCAP, so they go first.
  if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                   SECBIT_NO_SETUID_FIXUP_LOCKED) != 0)
    return "prctl PR_SET_SECUREBITS";
  for (unsigned long cap = 0;; ++cap) { // up to the first number this kernel does not know
    if (cap < 64 && (keep >> cap & 1U) != 0)
      continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL)
        break;
      return "prctl PR_CAPBSET_DROP";
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    return "prctl PR_CAP_AMBIENT_CLEAR_ALL";
  return nullptr;
}

bool drop_all_capabilities() noexcept {
  if (lock_securebits_and_drop_bounding(0) != nullptr)
    return false;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  return ::syscall(SYS_capset, &header, data) == 0;
}

} // namespace sandbox::caps
