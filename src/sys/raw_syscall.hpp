// SPDX-License-Identifier: Apache-2.0
#pragma once
// System calls that return -errno instead of setting errno, for the sandbox's first process
// while it shares the launcher's memory and thread-local storage (launch/launcher.cpp): errno
// is the launcher's too, and it may be reading it. x86-64 and aarch64 only; elsewhere
// k_raw_syscalls is false and callers do without.

namespace sandbox::sys {

#if defined(__x86_64__)
inline constexpr bool k_raw_syscalls = true;

inline long raw_syscall(long number, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0) noexcept {
  register long r10 asm("r10") = a4;
  asm volatile("syscall"
               : "+a"(number)
               : "D"(a1), "S"(a2), "d"(a3), "r"(r10)
               : "rcx", "r11", "memory");
  return number;
}
#elif defined(__aarch64__)
inline constexpr bool k_raw_syscalls = true;

inline long raw_syscall(long number, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0) noexcept {
  register long x8 asm("x8") = number;
  register long x0 asm("x0") = a1;
  register long x1 asm("x1") = a2;
  register long x2 asm("x2") = a3;
  register long x3 asm("x3") = a4;
  asm volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
#else
inline constexpr bool k_raw_syscalls = false;

inline long raw_syscall(long, long = 0, long = 0, long = 0, long = 0) noexcept {
  return -38; // ENOSYS: never called where k_raw_syscalls is false
}
#endif

} // namespace sandbox::sys
