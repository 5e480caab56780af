// SPDX-License-Identifier: Apache-2.0
// Apart from caps.cpp: <linux/capability.h> and libcap's <sys/capability.h> do not mix.
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "caps/caps.hpp"
#include "sys/raw_syscall.hpp"

namespace sandbox::caps {

namespace {
// prctl(2): 0 or an errno, which stays out of errno where raw system calls exist.
int prctl_keeping_errno(int option, unsigned long arg2, unsigned long arg3 = 0) noexcept {
  if constexpr (!sys::k_raw_syscalls)
    return prctl(option, arg2, arg3, 0UL, 0UL) != 0 ? errno : 0;
  const long ret =
      sys::raw_syscall(SYS_prctl, option, static_cast<long>(arg2), static_cast<long>(arg3), 0, 0);
  return ret < 0 ? static_cast<int>(-ret) : 0;
}
} // namespace

int lock_securebits_and_drop_bounding(std::uint64_t keep, const char *&failed) noexcept {
  // Securebits and the bounding set need CAP_SETPCAP, so they go first.
  failed = "prctl PR_SET_SECUREBITS";
  if (const int err = prctl_keeping_errno(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
                                                                 SECBIT_KEEP_CAPS_LOCKED |
                                                                 SECBIT_NO_SETUID_FIXUP_LOCKED);
      err != 0)
    return err;
  failed = "prctl PR_CAPBSET_DROP";
  for (unsigned long cap = 0;; ++cap) { // up to the first number this kernel does not know
    if (cap < 64 && (keep >> cap & 1U) != 0)
      continue;
    if (const int err = prctl_keeping_errno(PR_CAPBSET_DROP, cap); err != 0) {
      if (err == EINVAL)
        break;
      return err;
    }
  }
  failed = "prctl PR_CAP_AMBIENT_CLEAR_ALL";
  if (const int err = prctl_keeping_errno(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL); err != 0)
    return err;
  failed = nullptr;
  return 0;
}

bool clear_capabilities() noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  return ::syscall(SYS_capset, &header, data) == 0;
}

bool drop_all_capabilities() noexcept {
  const char *failed = nullptr;
  if (const int err = lock_securebits_and_drop_bounding(0, failed); err != 0) {
    errno = err;
    return false;
  }
  return clear_capabilities();
}

} // namespace sandbox::caps
